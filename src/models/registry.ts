/**
 * The model sets and what each needs, in one place. A set is a folder of numbered .sql files
 * run in name order (a file added to the folder is picked up in its place); it runs after the
 * sets it needs. `loadModelSets(db, set)` is the one call that defines a set and everything
 * it needs on a connection:
 *
 *   shared      src/models/*.sql            macros (PromQL, exact sums, the time grid, the catalog)
 *   pool        src/models/pool/*.sql       the deployment model (needs shared; takes parameters)
 *   containers  src/models/container/*.sql  cgroups by the pool's phases (needs pool)
 *   report      src/report/sql/*.sql        the report's chart views over the pool (needs containers)
 *
 * Everything is temporary (nothing is written to the database file, so read-only databases
 * work). The shared set holds definitions only and is defined once per connection (PromQL
 * loads it before every query); the others hold tables computed from the data as it is at that
 * moment, so every call that asks for them makes them again. What a file materialises, it says
 * itself: a `CREATE TEMP TABLE` is computed once where it stands and read by everything after
 * it; a `CREATE TEMP VIEW` is computed wherever it is read (docs/design.md, "Model sets").
 */
import { listSql } from '../base/sql-files.js';
import type { TraceDatabase } from '../store/database.js';
import type { PoolParameters } from './pool-types.js';

export type ModelSetName = 'shared' | 'pool' | 'containers' | 'report';

export interface ModelSet {
  name: ModelSetName;
  /** The folder under src/ whose .sql files make the set, run in name order. */
  folder: string;
  /** The sets defined before this one (each once per load). */
  needs: readonly ModelSetName[];
  /** Definitions only (macros, views over the stored tables): defined once per connection. */
  once: boolean;
  /**
   * The file that declares the set's parameter tables: it runs first, the tables are filled
   * with the load's parameters, then the other files run.
   */
  parameterFile?: string;
}

export const MODEL_SETS: readonly ModelSet[] = [
  { name: 'shared', folder: 'models', needs: [], once: true },
  { name: 'pool', folder: 'models/pool', needs: ['shared'], once: false, parameterFile: '100-params.sql' },
  { name: 'containers', folder: 'models/container', needs: ['pool'], once: false },
  { name: 'report', folder: 'report/sql', needs: ['containers'], once: false },
];

const FILES = new Map(MODEL_SETS.map((s) => [s.name, listSql(s.folder)]));

/** A set's .sql files in name order (the report shows its own in the method section). */
export function modelFiles(name: ModelSetName): { name: string; sql: string }[] {
  return FILES.get(name)!;
}

/** The set and the sets it needs, transitively, each once, every set after those it needs. */
export function loadOrder(name: ModelSetName): ModelSet[] {
  const out: ModelSet[] = [];
  const visit = (n: ModelSetName) => {
    const set = MODEL_SETS.find((s) => s.name === n)!;
    if (out.includes(set)) return;
    for (const need of set.needs) visit(need);
    out.push(set);
  };
  visit(name);
  return out;
}

/** No --ready, no --phase: every time and phase detected. */
export const NO_POOL_PARAMETERS: PoolParameters = { ready: [], phases: [] };

/**
 * Defines a model set and the sets it needs on the database's connection. `parameters` fill
 * the pool's parameter tables (src/models/pool/100-params.sql) when the pool set is loaded.
 */
export async function loadModelSets(
  db: TraceDatabase,
  name: ModelSetName,
  parameters: PoolParameters = NO_POOL_PARAMETERS,
): Promise<void> {
  for (const set of loadOrder(name)) {
    if (set.once && db.modelSets.has(set.name)) continue;
    for (const file of modelFiles(set.name)) {
      await db.connection.run(file.sql);
      if (file.name === set.parameterFile) await fillPoolParameters(db, parameters);
    }
    db.modelSets.add(set.name);
  }
}

async function fillPoolParameters(db: TraceDatabase, parameters: PoolParameters): Promise<void> {
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
}
