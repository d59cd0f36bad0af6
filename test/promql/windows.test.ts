import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/models/interval.js';
import { evaluatePromql, type PromqlResult } from '../../src/promql/engine.js';
import type { Semantics } from '../../src/promql/semantics.js';
import { SampleBuffer, STALE_NAN, type ImportBatch, type SeriesDef } from '../../src/store/batch.js';
import { TraceDatabase } from '../../src/store/database.js';
import { loadImport } from '../../src/store/loader.js';

/**
 * The ways range functions find their windows (planner.ts: promql_grid_windows on the step grid,
 * promql_range_windows by ASOF joins, and for rate, increase, delta and resets on series whose
 * resets the loader recorded, by segments: promql_counter_windows) give the same answer on irregular data: jittered
 * and missing scrapes, counter resets, NaN, staleness markers, samples exactly on window edges,
 * ranges shorter and longer than the step, offsets, Prometheus 3 and 2.x window ends.
 */

async function* randomData(): AsyncGenerator<ImportBatch> {
  const rand = seededRandom(7);
  const series: SeriesDef[] = [];
  const samples = new SampleBuffer(1 << 16);
  for (let s = 0; s < 15; s++) {
    series.push({ ref: s, metric: 'm_total', labels: { i: String(s) }, kind: 'counter' });
    const points: [number, number][] = [];
    let value = rand() * 10;
    for (let ts = 0; ts <= 1_200_000;) {
      const r = rand();
      if (r < 0.03)
        value = rand() * 3; // counter reset
      else if (r < 0.04) value = NaN;
      else if (Number.isNaN(value) || r < 0.06) value = rand() * 50;
      else value += rand() * 5;
      points.push([ts, r > 0.995 ? STALE_NAN : value]);
      // 15 s scrapes, sometimes exactly on the grid, sometimes jittered, sometimes missing.
      ts += rand() < 0.5 ? 15_000 : rand() < 0.8 ? 15_000 + Math.floor(rand() * 400) - 200 : 45_000;
    }
    // The last three arrive newest first: the loader cannot record their resets
    // (series_stats.resets_complete false), so they take the sort.
    if (s >= 12) points.reverse();
    for (const [ts, v] of points) samples.push(s, ts, v);
  }
  yield { series, samples: samples.take() };
}

let db: TraceDatabase;

beforeAll(async () => {
  db = await TraceDatabase.open(':memory:');
  await loadImport(db, { deployment: 'w', path: 'random', format: 'test', sha256: 'random' }, randomData());
});

afterAll(() => db?.close());

/** windows: force the grid (Infinity) or ASOF joins (0) for every series; undefined: the default plan. */
function run(
  query: string,
  semantics: Semantics,
  windows: number | undefined,
  step: number,
): Promise<PromqlResult> {
  return evaluatePromql(db, {
    query,
    semantics,
    start: 30_000,
    end: 1_140_000,
    step,
    gridWindowsPerSample: windows,
    segmentWindows: windows === undefined,
  });
}

/** Equal, or both NaN; sums of several counter corrections may round differently in the last bit. */
function same(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return a === b || Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
}

describe('range function windows: step grid, ASOF joins and segments agree', () => {
  const functions = ['rate', 'increase', 'delta', 'irate', 'idelta', 'resets', 'changes'];
  const shapes = [
    { range: '15s', step: 15_000 },
    { range: '1m', step: 60_000 },
    { range: '1m', step: 15_000 },
    { range: '90s', step: 7_000 },
    { range: '5m', step: 60_000, offset: ' offset 30s' },
    // Enough samples per step (16) for the default plan to take segments: the shapes above have
    // few (planner.ts GRID_COPIES_PER_STEP), so it copies their samples onto the grid. Segments
    // are copied into their windows up to MAX_SEGMENT_COPIES windows per segment (6 here, 1 or 2
    // at a range of one step, 1 at half a step), beyond that found by ASOF joins (21 windows per
    // segment at 60 s).
    { range: '20m', step: 240_000 },
    { range: '12m', step: 720_000 },
    { range: '6m', step: 720_000 },
    { range: '20m', step: 60_000, offset: ' offset 10s' },
  ];
  it('has series of both kinds: resets recorded at import (segments) and not (sorted)', async () => {
    const rows = await db.rowsJS(
      'SELECT resets_complete, count(*)::INTEGER AS n FROM series_stats GROUP BY ALL ORDER BY ALL',
    );
    expect(rows).toEqual([
      { resets_complete: false, n: expect.any(Number) },
      { resets_complete: true, n: expect.any(Number) },
    ]);
  });

  for (const semantics of ['prometheus-3', 'prometheus-2.42'] as const) {
    it(`${semantics}: every function, range, step and offset`, async () => {
      let points = 0;
      for (const f of functions)
        for (const { range, step, offset = '' } of shapes) {
          const query = `${f}(m_total[${range}]${offset})`;
          const asof = await run(query, semantics, 0, step);
          for (const [plan, windows] of [
            ['grid', Infinity],
            ['default plan', undefined],
          ] as const) {
            const got = await run(query, semantics, windows, step);
            expect(
              got.series.map((s) => s.labels),
              `${query} (${plan})`,
            ).toEqual(asof.series.map((s) => s.labels));
            got.series.forEach((s, i) => {
              const other = asof.series[i]!.points;
              expect(
                s.points.map((p) => p.t),
                `${query} (${plan})`,
              ).toEqual(other.map((p) => p.t));
              s.points.forEach((p, j) => {
                if (!same(p.v, other[j]!.v))
                  expect.fail(`${query} at ${p.t}: ${plan} ${p.v}, ASOF ${other[j]!.v}`);
              });
              points += s.points.length;
            });
          }
        }
      expect(points).toBeGreaterThan(10_000);
    }, 300_000);
  }
});

describe('over-time aggregates: windows from segments and from copies on the step grid agree', () => {
  // Segments take these where a sample falls in more windows than gridWindowsPerSample (0: always).
  const functions = [
    'max_over_time',
    'min_over_time',
    'count_over_time',
    'last_over_time',
    'first_over_time',
    'present_over_time',
    'ts_of_first_over_time',
    'ts_of_last_over_time',
  ];
  const shapes = [
    { range: '15s', step: 15_000 },
    { range: '1m', step: 15_000 },
    { range: '90s', step: 7_000 },
    { range: '2m', step: 60_000 },
    { range: '5m', step: 60_000, offset: ' offset 30s' },
    { range: '7m', step: 45_000, offset: ' offset -1m' },
    { range: '20m', step: 240_000 },
  ];
  for (const semantics of ['prometheus-3', 'prometheus-2.42'] as const) {
    it(`${semantics}: every function, range, step and offset`, async () => {
      let points = 0;
      for (const f of functions) {
        if (f.startsWith('ts_of_') && semantics !== 'prometheus-3') continue;
        for (const { range, step, offset = '' } of shapes) {
          const query = `${f}(m_total[${range}]${offset})`;
          const grid = await run(query, semantics, Infinity, step);
          // The default plan: segments for series with many samples per step, else the grid.
          for (const [plan, windows] of [
            ['segments', 0],
            ['default plan', undefined],
          ] as const) {
            const segments = await run(query, semantics, windows, step);
            expect(
              segments.series.map((s) => s.labels),
              `${query} (${plan})`,
            ).toEqual(grid.series.map((s) => s.labels));
            segments.series.forEach((s, i) => {
              const other = grid.series[i]!.points;
              expect(
                s.points.map((p) => p.t),
                query,
              ).toEqual(other.map((p) => p.t));
              s.points.forEach((p, j) => {
                const v = other[j]!.v;
                if (!(p.v === v || (Number.isNaN(p.v) && Number.isNaN(v))))
                  expect.fail(`${query} at ${p.t}: ${plan} ${p.v}, grid ${v}`);
              });
              points += s.points.length;
            });
          }
        }
      }
      expect(points).toBeGreaterThan(10_000);
    }, 300_000);
  }
});

describe('instant selectors at every step: the newest sample inside the lookback window', () => {
  // The reference is worked out here from the stored samples (promql_instant keeps only the newest
  // sample of each series between two steps before its ASOF join): engine.go
  // vectorSelectorSingle, the newest sample at or before t - offset, inside the lookback window
  // ((t - 5m, t] in 3.x, [t - 5m, t] in 2.x) and not a staleness marker.
  const LOOKBACK = 300_000;
  for (const semantics of ['prometheus-3', 'prometheus-2.42'] as const) {
    it(`${semantics}: steps shorter and longer than the scrape interval, with offsets`, async () => {
      const rows = (await db.rowsJS(
        `SELECT s.labels['i'] AS i, x.ts::DOUBLE AS ts, x.value FROM samples x JOIN series s USING (series_id)
         ORDER BY i, ts`,
      )) as { i: string; ts: number; value: number | null }[];
      const bySeries = new Map<string, { ts: number; value: number | null }[]>();
      for (const r of rows) bySeries.set(r.i, [...(bySeries.get(r.i) ?? []), r]);
      let points = 0;
      for (const step of [7_000, 15_000, 60_000, 400_000])
        for (const offset of [0, 30_000]) {
          const query = `m_total${offset ? ` offset ${offset / 1000}s` : ''}`;
          const got = await run(query, semantics, undefined, step);
          const gotBySeries = new Map(
            got.series.map((s) => [s.labels.find(([k]) => k === 'i')![1], s.points] as const),
          );
          for (const [i, samples] of bySeries) {
            const expected: { t: number; v: number }[] = [];
            for (let t = 30_000; t <= 1_140_000; t += step) {
              const ref = t - offset;
              const newest = samples.filter((p) => p.ts <= ref).at(-1);
              const inside =
                newest !== undefined &&
                (semantics === 'prometheus-3' ? newest.ts > ref - LOOKBACK : newest.ts >= ref - LOOKBACK);
              if (inside && newest.value !== null) expected.push({ t, v: newest.value });
            }
            const actual = gotBySeries.get(i) ?? [];
            expect(
              actual.map((p) => p.t),
              `${query} step ${step} series ${i}`,
            ).toEqual(expected.map((p) => p.t));
            actual.forEach((p, j) => {
              const v = expected[j]!.v;
              if (!(Object.is(p.v, v) || (Number.isNaN(p.v) && Number.isNaN(v))))
                expect.fail(`${query} step ${step} series ${i} at ${p.t}: ${p.v}, expected ${v}`);
            });
            points += actual.length;
          }
        }
      expect(points).toBeGreaterThan(5_000);
    }, 300_000);
  }
});
