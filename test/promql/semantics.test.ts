import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluatePromql } from '../../src/promql/engine.js';
import type { Semantics } from '../../src/promql/semantics.js';
import { SampleBuffer, STALE_NAN, type ImportBatch } from '../../src/store/batch.js';
import { TraceDatabase } from '../../src/store/database.js';
import { loadImport } from '../../src/store/loader.js';

/**
 * Where the three --semantics differ, on synthetic series whose expected values are worked out
 * by hand in the comments (Prometheus extrapolatedRate, funcChanges, lookback).
 */

let db: TraceDatabase;

/** 'stale' becomes Prometheus' staleness marker (a NaN payload would not survive a plain JS array). */
async function* batch(series: Record<string, [number, number | 'stale'][]>): AsyncGenerator<ImportBatch> {
  const samples = new SampleBuffer();
  const names = Object.keys(series);
  names.forEach((name, ref) =>
    series[name]!.forEach(([t, v]) => samples.push(ref, t, v === 'stale' ? STALE_NAN : v)),
  );
  yield {
    series: names.map((metric, ref) => ({
      ref,
      metric,
      labels: { job: 'synthetic' },
      kind: 'counter' as const,
    })),
    samples: samples.take(),
  };
}

beforeAll(async () => {
  db = await TraceDatabase.open(':memory:');
  await loadImport(
    db,
    { deployment: 'lab', path: 'synthetic', format: 'synthetic', sha256: 'x' },
    batch({
      // The first sample lies 30 s after the window start (more than 1.1 x the 10 s interval), and
      // its zero point is 8 s before it: between half an interval (5 s) and the threshold (11 s).
      near_zero_total: [
        [30_000, 8],
        [40_000, 18],
        [50_000, 28],
      ],
      steps_total: [
        [0, 0],
        [10_000, 10],
        [20_000, 20],
      ],
      gone: [
        [0, 1],
        [10_000, 'stale'],
      ],
    }),
  );
});
afterAll(() => db.close());

async function instant(query: string, semantics: Semantics, timeMs: number): Promise<number[]> {
  const r = await evaluatePromql(db, { query, semantics, time: timeMs });
  return r.series.map((s) => s.points[0]!.v);
}

describe('--semantics', () => {
  it('2.42 clamps to the zero point before the 1.1 x rule; 2.51 and 3 after it', async () => {
    // result 20 over sampled 20 s, durationToEnd 10 s. 2.42: toStart = min(30, 8) = 8 → 20 * 38 / 20 = 38.
    // 2.51 / 3: 30 >= 11 → toStart = 5, then min(5, 8) = 5 → 20 * 35 / 20 = 35.
    const q = 'increase(near_zero_total[1m])';
    expect(await instant(q, 'prometheus-2.42', 60_000)).toEqual([38]);
    expect(await instant(q, 'prometheus-2.51', 60_000)).toEqual([35]);
    expect(await instant(q, 'prometheus-3', 60_000)).toEqual([35]);
  });

  it('3 selects (t - range, t], 2.x [t - range, t]', async () => {
    // At 20 s over 20 s: the sample at 0 s is inside only the closed window.
    expect(await instant('changes(steps_total[20s])', 'prometheus-2.42', 20_000)).toEqual([2]);
    expect(await instant('changes(steps_total[20s])', 'prometheus-2.51', 20_000)).toEqual([2]);
    expect(await instant('changes(steps_total[20s])', 'prometheus-3', 20_000)).toEqual([1]);
    // Lookback of an instant selector: 5 m after the last sample (at 20 s) only 2.x still sees it.
    expect(await instant('steps_total', 'prometheus-2.42', 320_000)).toEqual([20]);
    expect(await instant('steps_total', 'prometheus-3', 320_000)).toEqual([]);
  });

  it('a staleness marker ends a series for instant selectors and is never a range sample', async () => {
    expect(await instant('gone', 'prometheus-3', 5_000)).toEqual([1]);
    expect(await instant('gone', 'prometheus-3', 15_000)).toEqual([]);
    expect(await instant('resets(gone[1m])', 'prometheus-3', 15_000)).toEqual([0]);
    expect(await instant('rate(gone[1m])', 'prometheus-3', 15_000)).toEqual([]);
  });
});
