import { InputError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { listSql } from '../base/sql-files.js';
import { loadModels } from '../models/load.js';
import { createSampleSteps } from '../models/sample-steps.js';
import type { TraceDatabase } from '../store/database.js';
import type { Notebook } from './notebook.js';

/** A plain JSON-able value of a query result (BIGINT as number, timestamps as ISO text). */
export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };
export type Rows = Record<string, Value>[];

/** The report's base views (src/report/sql/, in file order), shown in the method section. */
export const BASE_VIEWS = listSql('report/sql');

/**
 * Creates the base views as temporary views and tables (the heavy ones, such as the CPU increase
 * of every sample interval, are computed once instead of once per query that reads them):
 * nothing is written to the database file.
 */
export async function createBaseViews(db: TraceDatabase): Promise<void> {
  // The report runs on every core (DuckDB's default): its sums of floats are exact_sum()
  // (src/models/006-aggregates.sql), which give the same result in any order of addition, so
  // equal inputs still give equal report bytes.
  await loadModels(db); // the time grid's step ladder (src/models/007-time-grid.sql)
  await createSampleSteps(db); // shared with the pool models (src/models/steps/)
}

/** The report's views (src/report/sql/): charts shaped over the pool models, which must be loaded. */
export async function createReportViews(db: TraceDatabase): Promise<void> {
  for (const view of BASE_VIEWS) await db.run(view.sql);
}

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
      await db.run(`CREATE OR REPLACE TEMP VIEW "${block.name}" AS ${body}\n`);
      if (used.has(block.name)) results.set(block.name, await queryRows(db, `SELECT * FROM "${block.name}"`));
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      throw new InputError(notebook.path, { line: block.line }, msg.notebookSqlFailed(block.name, reason));
    }
  }
  return results;
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
