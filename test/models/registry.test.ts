import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { listSql, sqlPath } from '../../src/base/sql-files.js';
import {
  loadModelSets,
  loadModelsFor,
  loadOrder,
  MODEL_SETS,
  modelFiles,
  neededDefinitions,
  sharedDefinitions,
} from '../../src/models/registry.js';
import { TraceDatabase } from '../../src/store/database.js';
import { duckdb } from '../../src/store/duckdb.js';
import { cpuBetween, importProcfsPool, preforkPool } from '../helpers/pool-synth.js';

describe('the registry of model sets', () => {
  it('loads a set after everything it needs, each once', () => {
    expect(loadOrder('report').map((s) => s.name)).toEqual(['shared', 'pool', 'containers', 'report']);
    expect(loadOrder('pool').map((s) => s.name)).toEqual(['shared', 'pool']);
    expect(loadOrder('shared').map((s) => s.name)).toEqual(['shared']);
  });

  it('runs every .sql file of a set’s folder, in name order', () => {
    for (const set of MODEL_SETS) {
      const onDisk = readdirSync(sqlPath(`${set.folder}/`))
        .filter((f) => f.endsWith('.sql'))
        .sort();
      expect(
        modelFiles(set.name).map((f) => f.name),
        set.name,
      ).toEqual(onDisk);
      expect(onDisk.length, set.name).toBeGreaterThan(0);
    }
  });

  it('has every pool model say what it materialises: TEMP TABLE or TEMP VIEW, no other spelling', () => {
    for (const f of modelFiles('pool')) {
      const text = readFileSync(sqlPath(`models/pool/${f.name}`), 'utf8');
      const creates = text.match(/^CREATE\b.*$/gm) ?? [];
      for (const line of creates)
        expect(line, f.name).toMatch(
          /^CREATE (OR REPLACE TEMP (TABLE|VIEW|MACRO)|TEMP TABLE IF NOT EXISTS) \w+/,
        );
    }
  });

  it('makes the data’s sets again at each load: a second load sees what was imported in between', async () => {
    const db = await TraceDatabase.open(':memory:');
    const pool = preforkPool();
    await importProcfsPool(db, 'a', pool);
    await loadModelSets(db, 'report');
    expect((await db.rowsJS('SELECT deployment FROM pool_span ORDER BY 1')).map((r) => r.deployment)).toEqual(
      ['a'],
    );
    await importProcfsPool(db, 'b', pool);
    await loadModelSets(db, 'report');
    expect((await db.rowsJS('SELECT deployment FROM pool_span ORDER BY 1')).map((r) => r.deployment)).toEqual(
      ['a', 'b'],
    );
    // the pool was made again: b's CPU is all there, from its processes' definitions
    const [row] = await db.rowsJS(
      `SELECT exact_sum(cpu_seconds) AS cpu FROM pool_process_totals WHERE deployment = 'b'`,
    );
    const expected = pool.reduce((s, p) => s + cpuBetween(p, p.start, p.end), 0);
    expect(Number(row!.cpu)).toBeCloseTo(expected, 3);
    expect([...db.modelSets].sort()).toEqual(['containers', 'pool', 'report', 'shared']);
    db.close();
  });
});

/** An in-memory DuckDB with our schema (the stored tables the macros read), for fresh connections. */
async function schemaInstance(): Promise<InstanceType<typeof duckdb.DuckDBInstance>> {
  const instance = await duckdb.DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  for (const m of listSql('store/migrations')) await connection.run(m.sql);
  connection.closeSync();
  return instance;
}

/** The temporary macros DuckDB's catalog holds on a connection. */
async function macrosOn(connection: TraceDatabase['connection']): Promise<string[]> {
  const reader = await connection.runAndReadAll(
    `SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_type IN ('macro', 'table_macro') AND database_name = 'temp' ORDER BY 1`,
  );
  return reader.getRowsJS().map((r) => String(r[0]));
}

describe('the shared set statement by statement (PromQL defines only what its query needs)', () => {
  it('cuts every file into whole statements: nothing lost, one macro each, as DuckDB defines them', async () => {
    const all = sharedDefinitions();
    for (const f of modelFiles('shared'))
      expect(
        all
          .filter((d) => d.file === f.name)
          .map((d) => d.sql)
          .join(''),
        f.name,
      ).toBe(f.sql);
    for (const d of all) {
      // each ends with its semicolon (loadModelsFor runs several in one call)
      expect(d.sql.replace(/(--[^\n]*|\s)*$/, ''), d.macro ?? d.file).toMatch(/;$/);
      expect(d.sql.match(/^CREATE\b/gm)?.length ?? 0, d.macro ?? d.file).toBe(d.macro === null ? 0 : 1);
    }
    const db = await TraceDatabase.open(':memory:');
    await loadModelSets(db, 'shared');
    const macros = all.flatMap((d) => (d.macro === null ? [] : [d.macro]));
    expect([...macros].sort()).toEqual(await macrosOn(db.connection));
    expect(new Set(macros).size).toBe(macros.length);
    db.close();
  });

  it('defines each macro with what it is found to need, on a connection of its own', async () => {
    // DuckDB binds much of a macro's body when it is created: a function it calls must exist by then.
    const instance = await schemaInstance();
    const alone = await instance.connect();
    const rate = sharedDefinitions().find((d) => d.macro === 'promql_extrapolated_rate')!;
    await expect(alone.run(rate.sql)).rejects.toThrow(/promql_extrapolate\b/);
    alone.closeSync();
    for (const d of sharedDefinitions()) {
      if (d.macro === null) continue;
      const connection = await instance.connect();
      await loadModelsFor({ connection, modelSets: new Set() }, `SELECT ${d.macro.toUpperCase()}`);
      expect(await macrosOn(connection), d.macro).toContain(d.macro);
      connection.closeSync();
    }
    instance.closeSync();
  });

  it('leaves out what a statement does not name, and defines each statement once per connection', async () => {
    const needed = neededDefinitions('SELECT promql_kahan_sum([1.0, 2.0])');
    expect(needed.map((d) => d.macro)).toEqual([null, 'promql_kahan_step', 'promql_kahan_sum']);
    const instance = await duckdb.DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const db = { connection, modelSets: new Set<string>() };
    await loadModelsFor(db, 'SELECT promql_kahan_sum([1.0, 2.0])');
    expect(await macrosOn(connection)).toEqual(['promql_kahan_step', 'promql_kahan_sum']);
    const rows = (await connection.runAndReadAll('SELECT promql_kahan_sum([1.0, 2.0])')).getRowsJS();
    expect(rows).toEqual([[3]]);
    // a macro dropped behind the registry's back stays dropped: it is not defined a second time
    await connection.run('DROP MACRO temp.promql_kahan_sum');
    await loadModelsFor(db, 'SELECT promql_kahan_sum([1.0])');
    expect(await macrosOn(connection)).toEqual(['promql_kahan_step']);
    // the whole set loaded: nothing more to define
    db.modelSets.add('shared');
    await loadModelsFor(db, 'SELECT exact_sum(1)');
    expect(await macrosOn(connection)).toEqual(['promql_kahan_step']);
    connection.closeSync();
    instance.closeSync();
  });
});
