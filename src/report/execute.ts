import { InputError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { modelFiles } from '../models/registry.js';
import type { TraceDatabase } from '../store/database.js';
import type { Notebook } from './notebook.js';

/** A plain JSON-able value of a query result (BIGINT as number, timestamps as ISO text). */
export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };
export type Rows = Record<string, Value>[];

/**
 * The report's views (src/report/sql/, in file order: the registry's `report` set, loaded with
 * the models it needs by src/models/registry.ts), shown in the method section.
 */
export const BASE_VIEWS = modelFiles('report');

/**
 * Runs a notebook's sql blocks in order, each as a temporary view named after the block, and
 * returns the rows of every query a chart or table uses. A failing query names its block's line.
 */
export async function runNotebook(db: TraceDatabase, notebook: Notebook): Promise<Map<string, Rows>> {
  const used = new Set<string>();
  for (const b of notebook.blocks) if (b.kind === 'vega-lite' || b.kind === 'table') used.add(b.query);
  const results = new Map<string, Rows>();
  for (const block of notebook.blocks) {
    if (block.kind !== 'sql') continue;
    const body = block.sql.trim().replace(/;\s*$/, '');
    try {
      await takeModelTableName(db, block.name);
      await db.run(`CREATE OR REPLACE TEMP VIEW "${block.name}" AS ${body}\n`);
      if (used.has(block.name)) results.set(block.name, await queryRows(db, `SELECT * FROM "${block.name}"`));
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      throw new InputError(notebook.path, { line: block.line }, msg.notebookSqlFailed(block.name, reason));
    }
  }
  return results;
}

/**
 * A block named like one of the models' temporary tables (say `pool_cpu`) takes its place for
 * the blocks after it, as it takes a view's: the table is dropped before the view is made.
 */
async function takeModelTableName(db: TraceDatabase, name: string): Promise<void> {
  const [row] = await db.rowsJS(
    `SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE temporary AND lower(table_name) = lower($name)`,
    { name },
  );
  if (row!.n !== 0) await db.run(`DROP TABLE temp.main."${name}"`);
}

export async function queryRows(db: TraceDatabase, sql: string): Promise<Rows> {
  return (await db.rowsJS(sql)).map((row) => {
    const out: Record<string, Value> = {};
    for (const [k, v] of Object.entries(row)) out[k] = plainValue(v);
    return out;
  });
}

function plainValue(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (Array.isArray(v)) return v.map(plainValue);
  if (typeof v === 'object') {
    const out: Record<string, Value> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = plainValue(x);
    return out;
  }
  return String(v);
}
