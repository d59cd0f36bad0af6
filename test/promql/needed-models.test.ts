import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listSql } from '../../src/base/sql-files.js';
import { loadModelsFor, neededDefinitions } from '../../src/models/registry.js';
import { preparePromql } from '../../src/promql/engine.js';
import type { Semantics } from '../../src/promql/semantics.js';
import { duckdb } from '../../src/store/duckdb.js';
import { FIXTURES } from '../helpers/cli.js';
import { parseScript } from './promqltest.js';

/**
 * A query defines only the part of the shared model set its statement names
 * (src/models/registry.ts, loadModelsFor). Whether that part is enough is DuckDB's to say:
 * binding a statement (EXPLAIN) expands every macro it calls, with the real argument types,
 * and fails on one that is not defined. Every query of Prometheus' test files is planned each
 * way the planner can take (default, range windows by ASOF joins, on the grid); one statement
 * per distinct set of needed definitions is bound on a connection that has only that set.
 */
const VERSIONS: { dir: string; semantics: Semantics }[] = [
  { dir: 'prometheus-3.14', semantics: 'prometheus-3' },
  { dir: 'prometheus-2.42', semantics: 'prometheus-2.42' },
];

function statementsByNeeds(): Map<string, string> {
  const out = new Map<string, string>();
  for (const { dir, semantics } of VERSIONS) {
    const folder = join(FIXTURES, 'conformance', dir);
    for (const file of readdirSync(folder).filter((f) => f.endsWith('.test')))
      for (const cmd of parseScript(readFileSync(join(folder, file), 'utf8'))) {
        if (cmd.kind !== 'eval') continue;
        for (const gridWindowsPerSample of [undefined, 0, Infinity]) {
          let sql: string;
          try {
            sql = preparePromql({
              query: cmd.query,
              semantics,
              gridWindowsPerSample,
              ...(cmd.instant
                ? { time: cmd.startMs }
                : { start: cmd.startMs, end: cmd.endMs, step: cmd.stepMs }),
            }).sql;
          } catch {
            continue; // refused before any SQL: nothing to define
          }
          const key = neededDefinitions(sql)
            .map((d) => d.macro)
            .join(' ');
          if (!out.has(key)) out.set(key, sql);
        }
      }
  }
  return out;
}

describe('PromQL defines only what its statement needs of the shared models', () => {
  it('every planned statement of the conformance files binds with only that', async () => {
    const statements = statementsByNeeds();
    expect(statements.size).toBeGreaterThan(20);
    const instance = await duckdb.DuckDBInstance.create(':memory:');
    const schema = await instance.connect();
    for (const m of listSql('store/migrations')) await schema.run(m.sql);
    schema.closeSync();
    const used = new Set<string>();
    for (const [key, sql] of statements) {
      const connection = await instance.connect();
      await loadModelsFor({ connection, modelSets: new Set() }, sql);
      await expect(
        connection.run(`EXPLAIN ${sql}`).then(() => 'bound'),
        key,
      ).resolves.toBe('bound');
      for (const name of key.split(' ')) used.add(name);
      connection.closeSync();
    }
    instance.closeSync();
    // the statements reach most of the set: the binding above checked them in use
    expect(used.size).toBeGreaterThan(50);
  });
});
