import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCount, renderTable, runBench, shapeFor, slope } from '../../bench/harness.js';
import { tempDir } from '../helpers/cli.js';

// A smoke run of `npm run bench` at a tiny size so the harness cannot rot. Benchmarks are not
// tests: nothing here looks at a duration, only that every contender ran and answered.
describe('bench harness (smoke run, tiny sizes)', () => {
  const { dir, cleanup } = tempDir('trace-analyze-bench-');
  afterAll(cleanup);

  it('fits the cost of one more sample by least squares, whatever the fixed cost', () => {
    // y = 5 + 2x exactly, and a noisy set whose slope is worked out by hand: mean x 2, mean y 3,
    // Σ(x-2)(y-3) = (-1)(-1) + 0 + (1)(2) = 3, Σ(x-2)² = 2 → 1.5.
    expect(
      slope([
        [1, 7],
        [2, 9],
        [10, 25],
      ]),
    ).toBeCloseTo(2, 12);
    expect(
      slope([
        [1, 2],
        [2, 2],
        [3, 5],
      ]),
    ).toBeCloseTo(1.5, 12);
    expect(
      slope([
        [4, 1],
        [4, 9],
      ]),
    ).toBe(0);
  });

  it('reads sizes as a user writes them', () => {
    expect(parseCount('20M')).toBe(20_000_000);
    expect(parseCount('500k')).toBe(500_000);
    expect(parseCount('1e6')).toBe(1_000_000);
    expect(parseCount('1G')).toBe(1_000_000_000);
    expect(() => parseCount('lots')).toThrow(/cannot read "lots"/);
    expect(shapeFor(20_000_000, 1000)).toEqual({ series: 1000, points: 20_000 });
    expect(shapeFor(40, 1000)).toEqual({ series: 20, points: 2 });
  });

  it('measures our import and the baselines on the same generated file and prints the ratios', async () => {
    const lines: string[] = [];
    const result = await runBench({
      samples: 2000,
      series: 8,
      dataDir: dir,
      baselines: true,
      scaling: [400, 2000],
      step: '60s',
      procfs: { snapshots: 5, workers: 2 },
      runs: 2,
      // The head-to-head has its own test (head-to-head.test.ts).
      prometheus: false,
      log: (line) => lines.push(line),
    });
    expect(existsSync(`${dir}/prom-8x250.json`)).toBe(true);
    const ids = result.rows.map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining(['import', 'promql', 'report', 'procfs', 'read_json']));
    // ours ran twice each (the row is the median run), the baselines once
    for (const row of result.rows)
      expect(row.walls?.length ?? 1).toBe(['read_json', 'pandas'].includes(row.id) ? 1 : 2);
    expect(result.table).toMatch(/ours: report \(HTML\).* 2: [\d.]+–[\d.]+ s/);
    for (const row of result.rows.filter((r) => r.id !== 'procfs')) {
      expect(row.m.exitCode).toBe(0);
      expect(row.samples).toBe(2000);
      expect(row.m.peakRssBytes).toBeGreaterThan(0);
    }
    // The pool rate answers one series per process (groupname): 8 series are 2 processes.
    expect(result.rows.find((r) => r.id === 'promql')!.detail!.series).toBe(2);
    // 5 snapshots of 3 processes: 14 per-process series each, plus host CPU and memory.
    expect(result.rows.find((r) => r.id === 'procfs')!.samples).toBeGreaterThan(5 * 3 * 14);
    // Both DuckDB and pandas read every sample of the file (pandas keeps the CPU counters: half).
    expect(result.rows.find((r) => r.id === 'read_json')!.detail!.samples).toBe(2000);
    const pandas = result.rows.find((r) => r.id === 'pandas');
    if (pandas) expect(pandas.detail!.samples).toBe(1000);
    expect(result.scaling.map((r) => r.samples)).toEqual([400, 2000]);
    for (const r of result.scaling) {
      expect(r.import.m.exitCode).toBe(0);
      expect(r.report.m.exitCode).toBe(0);
      expect(r.report.m.peakRssBytes).toBeGreaterThan(0);
    }
    expect(result.table).toMatch(/ours: import/);
    expect(result.table).toMatch(/import vs DuckDB read_json +[\d.]+ \([\d.]+× faster\)/);
    expect(result.table).toMatch(/machine: \d+ × .*load average/);
    expect(result.table).toMatch(/scaling of our import and report/);
    expect(result.table).toMatch(/^report +[\d.-]+ +[\d.-]+ +[\d.-]+$/m);
    expect(renderTable(result.rows, [])).not.toMatch(/scaling/);
  }, 180_000);
});
