import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sqlPath } from '../../src/base/sql-files.js';
import { loadModelSets, loadOrder, MODEL_SETS, modelFiles } from '../../src/models/registry.js';
import { TraceDatabase } from '../../src/store/database.js';
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
