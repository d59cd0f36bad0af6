import { listSql } from '../base/sql-files.js';
import type { TraceDatabase } from '../store/database.js';
import { loadModels } from './load.js';
import { useSampleSteps } from './sample-steps.js';

/** A time given on the command line: unix ms, or ms after the deployment's start. */
export interface PoolTime {
  ms: number;
  relative: boolean;
}

/** The parameters of the pool models (src/models/pool/100-params.sql); a null deployment means every one. */
export interface PoolParameters {
  ready: { deployment: string | null; time: PoolTime }[];
  phases: { deployment: string | null; name: string; start: PoolTime; end: PoolTime }[];
}

/**
 * Loads the pool models, src/models/pool/*.sql in name order, for one report. The first file
 * creates the parameter tables, which are filled before the others run. Each file's views are
 * then materialized at once: every view is replaced by a view over a temporary table of its
 * rows. DuckDB binds a view's whole tree of views when it is created and inlines views where
 * they are used, so the nested pool views would otherwise cost seconds to create and
 * recompute their lower layers at every use. The definitions stay the SQL files' (they run
 * as they are in DuckDB's own CLI); nothing is written to the database file.
 * Two exceptions, both declared in the SQL files: a TEMP TABLE (pool_cpu_parts, millions of
 * rows with integer keys only) is computed once where it is created, and a TEMPORARY VIEW
 * (pool_cpu_increases, pool_process_cpu) stays a view, since its readers each read it once and
 * a copy of millions of rows would cost more time and memory than reading it where it is used.
 * These models are not among src/models/*.sql (load.ts), which every PromQL query loads:
 * creating them costs the materialization above, worth it once per report only.
 */
export async function loadPoolModels(db: TraceDatabase, parameters: PoolParameters): Promise<void> {
  await loadModels(db); // the shared models' connection settings (ASOF joins) apply here too
  const [params, ...models] = listSql('models/pool');
  await db.connection.run(params!.sql);
  await db.run('DELETE FROM pool_ready');
  await db.run('DELETE FROM pool_phase_override');
  for (const r of parameters.ready)
    await db.run('INSERT INTO pool_ready VALUES ($d, $t, $rel)', {
      d: r.deployment,
      t: r.time.ms,
      rel: r.time.relative,
    });
  for (const p of parameters.phases)
    await db.run('INSERT INTO pool_phase_override VALUES ($d, $n, $s, $srel, $e, $erel)', {
      d: p.deployment,
      n: p.name,
      s: p.start.ms,
      srel: p.start.relative,
      e: p.end.ms,
      erel: p.end.relative,
    });
  await useSampleSteps(db);
  for (const model of models) {
    await db.connection.run(model.sql);
    for (const [, name] of model.sql.matchAll(VIEW_RE)) {
      await db.run(`CREATE OR REPLACE TEMP TABLE "${name}__rows" AS SELECT * FROM "${name}"`);
      await db.run(`CREATE OR REPLACE TEMP VIEW "${name}" AS SELECT * FROM "${name}__rows"`);
    }
  }
}

/** The views a model file creates that are materialized (TEMP VIEW, not TEMPORARY VIEW), in its order. */
const VIEW_RE = /^CREATE OR REPLACE TEMP VIEW (\w+) AS/gm;
