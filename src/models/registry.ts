/**
 * The model sets and what each needs, in one place. A set is a folder of numbered .sql files
 * run in name order (a file added to the folder is picked up in its place); it runs after the
 * sets it needs. `loadModelSets(db, set)` is the one call that defines a set and everything
 * it needs on a connection (`loadModelsFor(db, sql)`: only what one statement needs of the
 * shared set):
 *
 *   shared      src/models/*.sql            macros (PromQL, exact sums, the time grid, the catalog)
 *   pool        src/models/pool/*.sql       the deployment model (needs shared; takes parameters)
 *   containers  src/models/container/*.sql  cgroups by the pool's phases (needs pool)
 *   report      src/report/sql/*.sql        the report's chart views over the pool (needs containers)
 *
 * Everything is temporary (nothing is written to the database file, so read-only databases
 * work). The shared set holds definitions only and is defined once per connection (PromQL
 * defines only the part its query needs); the others hold tables computed from the data as it
 * is at that moment, so every call that asks for them makes them again. What a file
 * materialises, it says itself: a `CREATE TEMP TABLE` is computed once where it stands and read
 * by everything after it; a `CREATE TEMP VIEW` is computed wherever it is read (docs/design.md,
 * "Model sets").
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

/** Each set's files, read when the set is first asked for (a command reads only the sets it uses). */
const FILES = new Map<ModelSetName, { name: string; sql: string }[]>();

/** A set's .sql files in name order (the report shows its own in the method section). */
export function modelFiles(name: ModelSetName): { name: string; sql: string }[] {
  let files = FILES.get(name);
  if (!files) FILES.set(name, (files = listSql(MODEL_SETS.find((s) => s.name === name)!.folder)));
  return files;
}

/**
 * One statement of the shared set: the macro it defines, or none (a setting, such as
 * 005-settings.sql's, always run). A file's statements start at the lines that begin with
 * CREATE or SET; comments before a statement travel with the statement before it, a file's
 * opening comments with its first.
 */
export interface Definition {
  file: string;
  macro: string | null;
  sql: string;
}

const STATEMENT_START = /^(?=(?:CREATE|SET)\b)/m;
const MACRO = /^(?:--[^\n]*\n|\s)*CREATE OR REPLACE TEMP MACRO (\w+)/;

let SHARED: Definition[] | undefined;

/** The shared set's statements, in the order its files run them. */
export function sharedDefinitions(): Definition[] {
  SHARED ??= modelFiles('shared').flatMap((f) => {
    const parts = f.sql.split(STATEMENT_START);
    if (parts.length > 1 && !STATEMENT_START.test(parts[0]!)) parts.splice(0, 2, parts[0]! + parts[1]!);
    return parts.map((sql) => ({ file: f.name, macro: MACRO.exec(sql)?.[1] ?? null, sql }));
  });
  return SHARED;
}

/**
 * What `sql` needs of the shared set, in the set's order: every setting, each macro `sql`
 * names, the macros those name, and so on. A name in a comment or a string counts too (one
 * definition more, never one less).
 */
export function neededDefinitions(sql: string): Definition[] {
  const all = sharedDefinitions();
  // DuckDB's names are case-insensitive
  const byMacro = new Map(
    all.flatMap((d) => (d.macro === null ? [] : [[d.macro.toLowerCase(), d] as const])),
  );
  const names = new RegExp(`\\b(?:${[...byMacro.keys()].join('|')})\\b`, 'gi');
  const needed = new Set(all.filter((d) => d.macro === null));
  const pending = [sql];
  for (let text = pending.pop(); text !== undefined; text = pending.pop())
    for (const [name] of text.matchAll(names)) {
      const d = byMacro.get(name.toLowerCase())!;
      if (!needed.has(d)) {
        needed.add(d);
        pending.push(d.sql);
      }
    }
  return all.filter((d) => needed.has(d));
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

/** The shared set's statements defined on each connection by loadModelsFor. */
const definedOn = new WeakMap<object, Set<Definition>>();

/**
 * Defines on the database's connection what one statement needs of the shared set
 * (neededDefinitions), each definition once per connection; nothing when the whole set is
 * loaded there. PromQL's queries call this instead of loading the set: DuckDB takes about
 * 0.2 ms per definition, and a query needs none to about 23 of the set's ~80.
 */
export async function loadModelsFor(
  db: Pick<TraceDatabase, 'connection' | 'modelSets'>,
  sql: string,
): Promise<void> {
  if (db.modelSets.has('shared')) return;
  let defined = definedOn.get(db.connection);
  if (!defined) definedOn.set(db.connection, (defined = new Set()));
  const missing = neededDefinitions(sql).filter((d) => !defined.has(d));
  if (missing.length === 0) return;
  // One call for all: each statement ends with its semicolon (test/models/registry.test.ts).
  await db.connection.run(missing.map((d) => d.sql).join('\n'));
  for (const d of missing) defined.add(d);
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
