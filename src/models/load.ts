import { listSql } from '../base/sql-files.js';
import type { TraceDatabase } from '../store/database.js';

/**
 * The SQL models: every src/models/*.sql, run in name order (they are numbered). They create
 * only TEMP macros and views, so they work on read-only databases and never change the file.
 */
const MODELS = listSql('models');

const loaded = new WeakSet<TraceDatabase>();

/** Defines every model on the database's connection (once per connection). */
export async function loadModels(db: TraceDatabase): Promise<void> {
  if (loaded.has(db)) return;
  for (const model of MODELS) await db.connection.run(model.sql);
  loaded.add(db);
}
