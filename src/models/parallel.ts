import type { TraceDatabase } from '../store/database.js';

/**
 * A model file whose first line is `-- parallel: <why>` runs on every core; every other file
 * runs with the connection's thread setting (one thread in a report: parallel aggregation sums
 * floats in a varying order, and equal inputs must give equal report bytes). Only statements
 * whose result does not depend on the order of parallel work belong there: sorts and window
 * functions over a total order (ties broken by every column), filters, projections.
 */
const PARALLEL = /^-- parallel:/;

export async function runModelSql(db: TraceDatabase, sql: string): Promise<void> {
  if (!PARALLEL.test(sql)) {
    await db.connection.run(sql);
    return;
  }
  const [setting] = await db.rowsJS(`SELECT current_setting('threads') AS threads`);
  await db.run('RESET threads');
  try {
    await db.connection.run(sql);
  } finally {
    await db.run(`SET threads = ${Number(setting!.threads)}`);
  }
}
