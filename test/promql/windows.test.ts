import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModels } from '../../src/models/load.js';
import { SampleBuffer, STALE_NAN, type ImportBatch } from '../../src/store/batch.js';
import { TraceDatabase } from '../../src/store/database.js';
import { loadImport } from '../../src/store/loader.js';

/**
 * promql_single_windows (one sort and one aggregation, for steps of at least the range) must give
 * exactly the rows of promql_range_windows (running totals and ASOF joins), which the conformance
 * and real-capture tests check against Prometheus: two algorithms, one answer.
 */

let db: TraceDatabase;
const SERIES = 6;

/** Counters with resets, NaN, ±Inf, stale markers, repeated values and irregular scrape times. */
async function* generated(): AsyncGenerator<ImportBatch> {
  const samples = new SampleBuffer();
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let ref = 0; ref < SERIES; ref++) {
    let t = 1_000_000 + Math.floor(rand() * 20_000);
    let v = 0;
    while (t < 1_600_000) {
      const r = rand();
      if (r < 0.04)
        v = rand() * 3; // counter reset
      else if (r < 0.06) v = NaN;
      else if (r < 0.07) v = ref % 2 ? Infinity : -Infinity;
      else if (r < 0.2)
        v = Number.isFinite(v) ? v : 1; // unchanged
      else v = (Number.isFinite(v) ? v : 0) + Math.round(rand() * 500) / 100;
      if (rand() < 0.03) samples.push(ref, t, STALE_NAN);
      else samples.push(ref, t, v);
      t += [1000, 5000, 15_000, 15_000, 15_000, 60_000][Math.floor(rand() * 6)]! + Math.floor(rand() * 10);
    }
  }
  yield {
    series: Array.from({ length: SERIES }, (_, ref) => ({
      ref,
      metric: 'x_total',
      labels: { i: String(ref) },
      kind: 'counter' as const,
    })),
    samples: samples.take(),
  };
}

beforeAll(async () => {
  db = await TraceDatabase.open(':memory:');
  await loadImport(db, { deployment: 'd', path: 'generated', format: 'test', sha256: 'x' }, generated());
  await loadModels(db);
});
afterAll(() => db.close());

async function windows(macro: string, args: number[], leftOpen: boolean): Promise<Record<string, unknown>[]> {
  return db.rowsJS(
    `SELECT series_id, t, range_start, range_end, range_ms, n, first_ts, first_value, last_ts, last_value,
            prev_ts, prev_value, resets, changes, correction
     FROM ${macro}((SELECT list(series_id) FROM series), ${args.map((a) => `${a}::BIGINT`).join(', ')}, ${leftOpen})
     ORDER BY series_id, t`,
  );
}

/** Prometheus' counter correction for one window, from the raw samples (funcRate's loop over the window). */
async function windowCorrection(row: Record<string, unknown>, leftOpen: boolean): Promise<number> {
  const lo = Number(row.range_start) + (leftOpen ? 1 : 0);
  const points = await db.rowsJS(
    `SELECT value FROM samples WHERE series_id = ${Number(row.series_id)} AND value IS NOT NULL
       AND ts >= ${lo} AND ts <= ${Number(row.range_end)} ORDER BY ts`,
  );
  let correction = 0;
  for (let i = 1; i < points.length; i++) {
    const [prev, cur] = [points[i - 1]!.value as number, points[i]!.value as number];
    if (cur < prev) correction += prev;
  }
  return correction;
}

const same = (a: unknown, b: unknown) =>
  Object.is(a, b) || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));

describe('promql_single_windows', () => {
  it('gives the rows of promql_range_windows for every step of at least the range', async () => {
    const query = fc.record({
      start: fc.integer({ min: 900_000, max: 1_300_000 }),
      steps: fc.integer({ min: 1, max: 60 }),
      step: fc.constantFrom(1000, 5000, 15_000, 30_000, 60_000, 61_234),
      rangeShare: fc.double({ min: 0.05, max: 1, noNaN: true }),
      offset: fc.constantFrom(0, 0, 7000, 60_000, -5000),
      leftOpen: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(query, async ({ start, steps, step, rangeShare, offset, leftOpen }) => {
        let range = Math.max(1, Math.round(step * rangeShare));
        if (!leftOpen && range >= step) range = step - 1; // closed windows share their edge at range = step
        const args = [start, start + (steps - 1) * step, step, range, offset];
        const fast = await windows('promql_single_windows', args, leftOpen);
        const reference = await windows('promql_range_windows', args, leftOpen);
        expect(fast.length).toBe(reference.length);
        for (const [i, row] of fast.entries()) {
          const ref = reference[i]!;
          for (const key of Object.keys(ref)) {
            // With one sample the previous one lies outside the window and nothing reads it.
            if ((key === 'prev_ts' || key === 'prev_value') && Number(ref.n) < 2) continue;
            if (key === 'correction') {
              const [a, b] = [row[key] as number, ref[key] as number];
              if (same(a, b)) continue;
              if (Number.isFinite(b)) {
                // A sum of the same resets, added in another order.
                expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
              } else {
                // Running totals that passed an infinite reset give Inf - Inf; Prometheus adds only
                // the window's own resets: check those directly.
                expect(a).toBe(await windowCorrection(row, leftOpen));
              }
            } else if (!same(row[key], ref[key])) {
              expect({ key, row }).toEqual({ key, row: ref });
            }
          }
        }
        return fast.length >= 0;
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
