import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STALE_NAN, type ImportBatch } from '../../src/store/batch.js';
import { TraceDatabase } from '../../src/store/database.js';
import { loadImport } from '../../src/store/loader.js';
import { gaugeBatch } from '../helpers/samples.js';

/** What series_stats must hold: DuckDB's own aggregates over the samples table. */
const FROM_SAMPLES = `
  SELECT series_id, count(value) AS samples,
         min(ts) FILTER (WHERE value IS NOT NULL) AS first_ts, max(ts) FILTER (WHERE value IS NOT NULL) AS last_ts,
         min(ts) FILTER (WHERE value > 0) AS first_positive_ts, max(ts) FILTER (WHERE value > 0) AS last_positive_ts,
         max(value) AS max_value, min(value) FILTER (WHERE value > 0 AND isfinite(value)) AS min_positive_finite
  FROM samples GROUP BY series_id ORDER BY series_id`;
const STATS = `
  SELECT series_id, samples, first_ts, last_ts, first_positive_ts, last_positive_ts, max_value, min_positive_finite
  FROM series_stats ORDER BY series_id`;
/** The resets PromQL's sort finds (promql_grid_windows' is_reset), for the series marked complete. */
const RESETS_BY_SORT = `
  WITH p AS (
    SELECT series_id, ts, value, lag(ts) OVER w AS prev_ts, lag(value) OVER w AS prev_value
    FROM samples WHERE value IS NOT NULL WINDOW w AS (PARTITION BY series_id ORDER BY ts))
  SELECT series_id, ts, prev_ts, prev_value FROM p
  WHERE NOT isnan(value) AND NOT isnan(prev_value) AND value < prev_value
    AND series_id IN (SELECT series_id FROM series_stats WHERE resets_complete)
  ORDER BY ALL`;

const value = fc.oneof(
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 1, -1, STALE_NAN, STALE_NAN),
);
const sample = fc.tuple(fc.nat({ max: 3 }), fc.integer({ min: 0, max: 1_000_000 }), value);
/**
 * Two imports into one deployment over series 0–3 (names shared, so the second appends to the
 * first's): samples in time order or not, the second import after the first or overlapping it.
 */
const imports = fc.array(
  fc.record({ samples: fc.array(sample, { maxLength: 40 }), sorted: fc.boolean(), later: fc.boolean() }),
  { minLength: 1, maxLength: 2 },
);

function batch(samples: [number, number, number][], offset: number): ImportBatch {
  return gaugeBatch(samples.map(([r, t, v]) => [r, t + offset, v]));
}

describe('series_stats', () => {
  it('equals DuckDB aggregates over the stored samples: NaN, ±Inf, stale markers, unordered times, appends', async () => {
    let runsWithResets = 0;
    await fc.assert(
      fc.asyncProperty(imports, async (list) => {
        const db = await TraceDatabase.open(':memory:');
        try {
          for (const [i, { samples, sorted, later }] of list.entries()) {
            const ordered = sorted ? [...samples].sort((a, b) => a[1] - b[1]) : samples;
            async function* batches() {
              yield batch(ordered, later ? i * 2_000_000 : i);
            }
            await loadImport(
              db,
              { deployment: 'd', path: `p${i}`, format: 'prom-json', sha256: `h${i}` },
              batches(),
            );
          }
          // ±0 are equal maxima (which one max() keeps depends on the order it reads them in)
          const zeroSign = (rows: Record<string, unknown>[]) =>
            rows.map((r) => ({ ...r, max_value: r.max_value === 0 ? 0 : r.max_value }));
          expect(zeroSign(await db.rowsJS(STATS))).toEqual(zeroSign(await db.rowsJS(FROM_SAMPLES)));
          const resets = await db.rowsJS(`SELECT * FROM series_resets ORDER BY ALL`);
          if (resets.length > 0) runsWithResets++;
          expect(resets).toEqual(await db.rowsJS(RESETS_BY_SORT));
          // Complete: every non-NULL sample of the series came later than the one before it.
          const complete = await db.rowsJS(`SELECT series_id FROM series_stats WHERE resets_complete`);
          for (const { series_id } of complete) {
            const times = (
              await db.rowsJS(`SELECT ts FROM samples WHERE series_id = $s AND value IS NOT NULL`, {
                s: series_id as number,
              })
            ).map((r) => Number(r.ts));
            expect(new Set(times).size).toBe(times.length);
          }
        } finally {
          db.close();
        }
      }),
      { numRuns: 60 },
    );
    expect(runsWithResets).toBeGreaterThan(5); // the resets comparison is not vacuous
  });

  it('records resets of a counter in time order; not of samples out of order, nor of a gauge', async () => {
    const db = await TraceDatabase.open(':memory:');
    try {
      const counter: [number, number, number][] = [
        [0, 1, 5],
        [0, 2, 7],
        [0, 3, 2],
        [0, 4, NaN],
        [0, 5, 1],
        [0, 6, 4],
      ];
      const unordered: [number, number, number][] = [
        [1, 2, 5],
        [1, 1, 7],
      ];
      const gauge: [number, number, number][] = Array.from(
        { length: 400 },
        (_, i) => [2, i, i % 2] as [number, number, number],
      );
      async function* batches() {
        yield batch([...counter, ...unordered, ...gauge], 0);
      }
      await loadImport(db, { deployment: 'd', path: 'p', format: 'prom-json', sha256: 'h' }, batches());
      expect(
        await db.rowsJS(
          `SELECT s.metric, st.resets_complete FROM series_stats st JOIN series s USING (series_id) ORDER BY 1`,
        ),
      ).toEqual([
        { metric: 'm0', resets_complete: true },
        { metric: 'm1', resets_complete: false },
        { metric: 'm2', resets_complete: false },
      ]);
      // 7 -> 2 is a reset; 2 -> NaN -> 1 is not (a comparison with NaN is false)
      expect(await db.rowsJS(`SELECT ts, prev_ts, prev_value FROM series_resets`)).toEqual([
        { ts: 3n, prev_ts: 2n, prev_value: 7 },
      ]);
      // An import appending to the counter later: the joint is a reset (4 -> 3), and the last value moves on.
      async function* more() {
        yield batch(
          [
            [0, 10, 3],
            [0, 11, 9],
          ],
          0,
        );
      }
      await loadImport(db, { deployment: 'd', path: 'q', format: 'prom-json', sha256: 'i' }, more());
      expect(await db.rowsJS(`SELECT ts, prev_ts, prev_value FROM series_resets ORDER BY ts`)).toEqual([
        { ts: 3n, prev_ts: 2n, prev_value: 7 },
        { ts: 10n, prev_ts: 6n, prev_value: 4 },
      ]);
      expect(
        await db.rowsJS(`SELECT resets_complete, last_value FROM series_stats WHERE series_id = 1`),
      ).toEqual([{ resets_complete: true, last_value: 9 }]);
    } finally {
      db.close();
    }
  });

  it('migration 004 fills series_stats for a file imported before it', async () => {
    const db = await TraceDatabase.open(':memory:', { upToVersion: 3 });
    try {
      await db.run(`INSERT INTO samples VALUES (1, 10, 2.5), (1, 5, NULL), (1, 20, 'nan'), (2, 7, -1)`);
      const migrate = (await import('../../src/base/sql-files.js')).readSql(
        'store/migrations/004-series-stats.sql',
      );
      await db.connection.run(migrate);
      expect(await db.rowsJS(STATS)).toEqual(await db.rowsJS(FROM_SAMPLES));
      expect((await db.rowsJS(`SELECT samples, max_value FROM series_stats WHERE series_id = 1`))[0]).toEqual(
        {
          samples: 2n,
          max_value: NaN,
        },
      );
    } finally {
      db.close();
    }
  });
});
