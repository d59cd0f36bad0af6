import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poolParameters } from '../../src/cli/pool-options.js';
import { buildPoolReport } from '../../src/models/pool-report.js';
import { loadModelSets } from '../../src/models/registry.js';
import { TraceDatabase } from '../../src/store/database.js';
import { HOUR, MB, T0, cpuBetween, importProcfsPool, longPool } from '../helpers/pool-synth.js';

// The documented rule (docs/report-json.md, "Time grid"): the smallest step from the minimum
// up this ladder that gives at most max_buckets buckets; past the last rung, whole days.
const LADDER_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
function expectedStep(minMs: number, spanMs: number, maxBuckets: number): number {
  if (spanMs <= minMs * maxBuckets) return minMs;
  const rung = LADDER_S.map((s) => s * 1000).find((s) => s > minMs && s * maxBuckets >= spanMs);
  return rung ?? 86_400_000 * Math.ceil(spanMs / (86_400_000 * maxBuckets));
}

let db: TraceDatabase;
const pool = longPool();
beforeAll(async () => {
  db = await TraceDatabase.open(':memory:');
  await importProcfsPool(db, 'long', pool);
});
afterAll(() => db.close());

describe('the time grid grows with the span', () => {
  it('grid_step_ms follows the ladder', async () => {
    await loadModelSets(db, 'shared');
    const cases: [number, number, number][] = [];
    for (const min of [1000, 3000, 5000])
      for (const span of [
        0,
        60_000,
        299_999,
        2_000_000,
        2_000_001,
        19_800_000,
        7 * 86_400_000,
        5000 * 86_400_000,
      ])
        for (const max of [500, 2000]) cases.push([min, span, max]);
    for (const [min, span, max] of cases) {
      const [row] = await db.rowsJS(`SELECT grid_step_ms(${min}, ${span}::BIGINT, ${max}) AS step`);
      expect(Number(row!.step), `grid_step_ms(${min}, ${span}, ${max})`).toBe(expectedStep(min, span, max));
    }
  });

  it('a 3-hour deployment at a 1 s scrape gets 10 s model buckets and exact phase figures', async () => {
    const d = (
      await buildPoolReport(db, {
        parameters: poolParameters({
          phases: [{ name: 'load', start: '1h', end: '2h', text: 'load=1h..2h' }],
        }),
      })
    ).deployments[0]!;
    const [grid] = await db.rowsJS('SELECT step_ms, buckets FROM pool_grid');
    expect(Number(grid!.step_ms)).toBe(10_000);
    expect(Number(grid!.buckets)).toBeLessThanOrEqual(2000);
    const load = d.phases[0]!;
    const expected = pool.reduce((s, p) => s + cpuBetween(p, HOUR, 2 * HOUR), 0) / 3600;
    expect(load.cpu.cores_mean!).toBeCloseTo(expected, 4);
    // the load level is flat, so every 10 s bucket inside the phase carries it
    expect(load.cpu.cores_p50!).toBeCloseTo(2 * 0.6 + 0.002, 3);
    expect(load.workers_alive).toBe(2);
    expect(load.memory.rss_bytes).toBe(100 * MB + 2 * 120 * MB);
    expect(load.memory.pss_bytes).toBe(60 * MB + 2 * 70 * MB);
    const total = pool.reduce((s, p) => s + cpuBetween(p, p.start, p.end), 0);
    const listed = d.process_list.reduce((s, p) => s + (p.cpu_seconds ?? 0), 0);
    expect(listed).toBeCloseTo(total, 1);
  });

  it('the report charts get 30 s buckets: at most 500 points per line', async () => {
    await loadModelSets(db, 'report');
    const [span] = await db.rowsJS('SELECT step_ms FROM report_deployment_span');
    expect(Number(span!.step_ms)).toBe(30_000);
    const perProcess = await db.rowsJS(
      `SELECT process, count(*) AS n, sum(cpu_seconds) AS cpu FROM report_process_cpu
       WHERE process NOT LIKE '%(reaped children)' GROUP BY process`,
    );
    expect(perProcess).toHaveLength(3);
    for (const p of perProcess) expect(Number(p.n)).toBeLessThanOrEqual(500);
    const [pool30] = await db.rowsJS(
      `SELECT avg(cores) AS mean FROM report_pool_cpu WHERE bucket_ts >= ${T0 + HOUR + 30_000} AND bucket_ts < ${T0 + 2 * HOUR - 30_000}`,
    );
    expect(Number(pool30!.mean)).toBeCloseTo(2 * 0.6 + 0.002, 3);
  });
});
