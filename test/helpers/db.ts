import type { TraceDatabase } from '../../src/store/database.js';

/**
 * A fingerprint of every row of every table, to prove that a failed import changed nothing:
 * per table the row count and the sum of DuckDB's 64-bit hash of each whole row (NaN, ±Inf and
 * NULL hash differently; a sum, unlike XOR, does not cancel repeated rows). One query for all
 * tables keeps it cheap enough to run after every fuzz input.
 */
export async function contentHash(db: TraceDatabase): Promise<string> {
  const tables = await db.rowsJS(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_catalog = current_database() ORDER BY 1`,
  );
  const parts = tables.map(({ table_name }) => {
    const name = String(table_name);
    return `SELECT '${name.replace(/'/g, "''")}' AS t, count(*) AS n, coalesce(sum(hash(x)::HUGEINT), 0) AS h
            FROM "${name.replace(/"/g, '""')}" x`;
  });
  const rows = await db.rowsJS(
    `SELECT string_agg(t || ':' || n || ':' || h, ' ' ORDER BY t) AS all FROM (${parts.join(' UNION ALL ')})`,
  );
  return String(rows[0]!.all);
}
