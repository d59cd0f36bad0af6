import { createHash } from 'node:crypto';
import type { TraceDatabase } from '../../src/store/database.js';

/** A hash of every row of every table, to prove that a failed import changed nothing. */
export async function contentHash(db: TraceDatabase): Promise<string> {
  const hash = createHash('sha256');
  const tables = await db.rowsJS(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_catalog = current_database() ORDER BY 1`,
  );
  for (const { table_name } of tables) {
    const rows = await db.rowsJS(`SELECT * FROM "${String(table_name)}" ORDER BY ALL`);
    hash.update(String(table_name));
    hash.update(
      JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? v.toString() : Number.isNaN(v) ? 'NaN' : v)),
    );
  }
  return hash.digest('hex');
}
