import type { TraceDatabase } from '../store/database.js';

/**
 * The models are views built on views; DuckDB inlines a view wherever it is used, so a figure
 * read through five layers recomputes the layers below it each time. Materializing replaces
 * each view, in creation order, by a view over a temporary table holding its rows: the
 * definitions stay the SQL files', the work is done once. Call it after the parameters
 * (pool_ready, pool_phase_override) are set; nothing is written to the database file.
 */
export async function materializeViews(db: TraceDatabase, prefix: string): Promise<void> {
  const views = await db.rowsJS(
    `SELECT view_name FROM duckdb_views() WHERE temporary AND starts_with(view_name, $prefix) ORDER BY view_oid`,
    { prefix },
  );
  for (const { view_name } of views) {
    const name = String(view_name);
    await db.run(`CREATE OR REPLACE TEMP TABLE "${name}__rows" AS SELECT * FROM "${name}"`);
    await db.run(`CREATE OR REPLACE TEMP VIEW "${name}" AS SELECT * FROM "${name}__rows"`);
  }
}
