import { listSql } from '../../src/base/sql-files.js';
import type { TraceDatabase } from '../../src/store/database.js';

/** Runs every src/models/*.sql in name order (as TEMP macros and views) on a connection. */
export async function loadModelsForTest(db: TraceDatabase): Promise<void> {
  for (const model of listSql('models')) await db.connection.run(model.sql);
}
