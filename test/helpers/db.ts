import type { TraceDatabase } from '../../src/store/database.js';

/**
 * A hash of every row of every table, to prove that a failed import changed nothing. Each row
 * is hashed as DuckDB's text of the whole row (so NaN, ±Inf and NULL stay distinct), the row
 * texts sorted; one query for all tables keeps it cheap enough to run after every fuzz input.
 */
export async function contentHash(db: TraceDatabase): Promise<string> {
  const tables = await db.rowsJS(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_catalog = current_database() ORDER BY 1`,
  );
  const parts = tables.map(({ table_name }) => {
    const name = String(table_name).replace(/"/g, '""');
    return `SELECT '${name.replace(/'/g, "''")}' AS t, count(*) AS n,
              md5(coalesce(string_agg(r, chr(10) ORDER BY r), '')) AS h
            FROM (SELECT CAST(x AS VARCHAR) AS r FROM "${name}" x)`;
  });
  const rows = await db.rowsJS(
    `SELECT string_agg(t || ':' || n || ':' || h, ' ' ORDER BY t) AS all FROM (${parts.join(' UNION ALL ')})`,
  );
  return String(rows[0]!.all);
}
