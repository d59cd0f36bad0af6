import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { importPath } from '../../src/importers/index.js';
import type { ImportBatch } from '../../src/store/batch.js';
import { TraceDatabase } from '../../src/store/database.js';

/** A series as test writers render it: name, labels and [ts ms, value] samples in time order. */
export interface TestSeries {
  metric: string;
  labels: Record<string, string>;
  samples: [number, number][];
}

/** Identity used to compare series: metric plus sorted labels. */
export function keyOf(metric: string, labels: Record<string, string>): string {
  return `${metric}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
}

/** Every stored sample by series key; a NULL value (staleness marker) reads as null. */
export async function storedSamples(db: TraceDatabase): Promise<Map<string, [number, number | null][]>> {
  const rows = await db.rowsJS(
    `SELECT s.metric, to_json(s.labels)::VARCHAR AS labels, p.ts, p.value
     FROM samples p JOIN series s USING (series_id) ORDER BY s.series_id, p.ts`,
  );
  const out = new Map<string, [number, number | null][]>();
  for (const r of rows) {
    const key = keyOf(r.metric as string, JSON.parse(r.labels as string) as Record<string, string>);
    if (!out.has(key)) out.set(key, []);
    out.get(key)!.push([Number(r.ts), r.value as number | null]);
  }
  return out;
}

export function expectedMap(series: TestSeries[]): Map<string, [number, number | null][]> {
  return new Map(series.map((s) => [keyOf(s.metric, s.labels), s.samples]));
}

/** Writes files into `dir` and imports `path` into a fresh in-memory database. */
export async function importFiles(
  dir: string,
  files: Record<string, string | Buffer>,
  path: string,
  options: { format?: string; start?: number } = {},
): Promise<{ db: TraceDatabase; format: string }> {
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  const db = await TraceDatabase.open(':memory:');
  try {
    const { outcomes } = await importPath(db, join(dir, path), { deployment: 'd', ...options });
    return { db, format: outcomes[0]!.format };
  } catch (e) {
    db.close();
    throw e;
  }
}

/** Imports like importFiles, then returns the detected format and the stored samples (the database closed). */
export async function importedSamples(
  dir: string,
  files: Record<string, string | Buffer>,
  path: string,
  options: { format?: string; start?: number } = {},
): Promise<{ format: string; stored: Map<string, [number, number | null][]> }> {
  const { db, format } = await importFiles(dir, files, path, options);
  try {
    return { format, stored: await storedSamples(db) };
  } finally {
    db.close();
  }
}

const NAME = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,12}$/);
const LABEL = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,8}$/).filter((l) => !l.startsWith('__'));
/** Label values with the characters the formats must escape: quote, backslash, newline, separators. */
const LABEL_VALUE = fc.string({
  unit: fc.constantFrom('a', 'Z', '0', ' ', '"', '\\', '\n', ',', ';', '=', '{', '}', 'é', '#', '\t'),
  maxLength: 8,
});

/** Any double a series may hold (NaN and ±Inf included), optionally finite only. */
export function sampleValue(finite = false) {
  return finite
    ? fc.double({ noNaN: true, noDefaultInfinity: true }).filter((v) => !Object.is(v, -0))
    : fc.oneof(
        fc.double().filter((v) => !Object.is(v, -0)),
        fc.constantFrom(NaN, Infinity, -Infinity, 0),
      );
}

/**
 * A random set of distinct series, each with strictly increasing ms timestamps (from `tsMin`),
 * on a shared or own time grid.
 */
export function seriesSet(options: { finite?: boolean; tsMin?: number; maxSeries?: number } = {}) {
  const tsMin = options.tsMin ?? 1_600_000_000_000;
  return fc
    .uniqueArray(
      fc.record({
        metric: NAME,
        labels: fc.dictionary(LABEL, LABEL_VALUE, { maxKeys: 3 }),
        times: fc.uniqueArray(fc.integer({ min: tsMin, max: tsMin + 10_000_000 }), {
          minLength: 1,
          maxLength: 6,
        }),
        values: fc.array(sampleValue(options.finite), { minLength: 6, maxLength: 6 }),
      }),
      { minLength: 1, maxLength: options.maxSeries ?? 5, selector: (s) => keyOf(s.metric, s.labels) },
    )
    .map((list) =>
      list.map((s): TestSeries => ({
        metric: s.metric,
        labels: s.labels,
        samples: [...s.times].sort((a, b) => a - b).map((t, i) => [t, s.values[i]!]),
      })),
    );
}

/** Prometheus drops labels with empty values (an empty label is an absent one); series that then collide are dropped. */
export function withoutEmptyLabels(series: TestSeries[]): TestSeries[] {
  const seen = new Set<string>();
  return series
    .map((s) => ({ ...s, labels: Object.fromEntries(Object.entries(s.labels).filter(([, v]) => v !== '')) }))
    .filter((s) => {
      const key = keyOf(s.metric, s.labels);
      return !seen.has(key) && seen.add(key) !== undefined;
    });
}

/** One batch of samples [series ref, ms, value] of gauges named m<ref> (no labels), in the order given. */
export function gaugeBatch(samples: [number, number, number][]): ImportBatch {
  const refs = [...new Set(samples.map(([r]) => r))];
  return {
    series: refs.map((ref) => ({ ref, metric: `m${ref}`, labels: {}, kind: 'gauge' as const })),
    samples: {
      length: samples.length,
      ref: Int32Array.from(samples.map(([r]) => r)),
      ts: Float64Array.from(samples.map(([, t]) => t)),
      value: Float64Array.from(samples.map(([, , v]) => v)),
    },
  };
}
