import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STALE_NAN, type ImportBatch } from '../../src/store/batch.js';
import { TraceDatabase } from '../../src/store/database.js';
import { loadImport } from '../../src/store/loader.js';

/** What series_stats must hold: DuckDB's own aggregates over the samples table. */
const FROM_SAMPLES = `
  SELECT series_id, count(value) AS samples,
         min(ts) FILTER (WHERE value IS NOT NULL) AS first_ts, max(ts) FILTER (WHERE value IS NOT NULL) AS last_ts,
         min(ts) FILTER (WHERE value > 0) AS first_positive_ts, max(ts) FILTER (WHERE value > 0) AS last_positive_ts,
         max(value) AS max_value, min(value) FILTER (WHERE value > 0 AND isfinite(value)) AS min_positive_finite
  FROM samples GROUP BY series_id ORDER BY series_id`;

const value = fc.oneof(
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 1, -1, STALE_NAN, STALE_NAN),
);
const sample = fc.tuple(fc.nat({ max: 3 }), fc.integer({ min: 0, max: 1_000_000 }), value);
/** Two imports into one deployment over series 0–3 (names shared, so the second appends to the first's). */
const imports = fc.array(fc.array(sample, { maxLength: 40 }), { minLength: 1, maxLength: 2 });

function batch(samples: [number, number, number][], offset: number): ImportBatch {
  const refs = [...new Set(samples.map(([r]) => r))];
  return {
    series: refs.map((ref) => ({ ref, metric: `m${ref}`, labels: {}, kind: 'gauge' as const })),
    samples: {
      length: samples.length,
      ref: Int32Array.from(samples.map(([r]) => r)),
      ts: Float64Array.from(samples.map(([, t]) => t + offset)),
      value: Float64Array.from(samples.map(([, , v]) => v)),
    },
  };
}

describe('series_stats', () => {
  it('equals DuckDB aggregates over the stored samples: NaN, ±Inf, stale markers, unordered times, appends', async () => {
    await fc.assert(
      fc.asyncProperty(imports, async (list) => {
        const db = await TraceDatabase.open(':memory:');
        try {
          for (const [i, samples] of list.entries()) {
            async function* batches() {
              yield batch(samples, i);
            }
            await loadImport(
              db,
              { deployment: 'd', path: `p${i}`, format: 'prom-json', sha256: `h${i}` },
              batches(),
            );
          }
          const stats = await db.rowsJS(`SELECT * FROM series_stats ORDER BY series_id`);
          expect(stats).toEqual(await db.rowsJS(FROM_SAMPLES));
        } finally {
          db.close();
        }
      }),
      { numRuns: 60 },
    );
  });

  it('migration 004 fills series_stats for a file imported before it', async () => {
    const db = await TraceDatabase.open(':memory:', { upToVersion: 3 });
    try {
      await db.run(`INSERT INTO samples VALUES (1, 10, 2.5), (1, 5, NULL), (1, 20, 'nan'), (2, 7, -1)`);
      const migrate = (await import('../../src/base/sql-files.js')).readSql(
        'store/migrations/004-series-stats.sql',
      );
      await db.connection.run(migrate);
      expect(await db.rowsJS(`SELECT * FROM series_stats ORDER BY series_id`)).toEqual(
        await db.rowsJS(FROM_SAMPLES),
      );
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
