import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/base/errors.js';
import { tempDir } from '../helpers/cli.js';
import {
  expectedMap,
  importFiles,
  importedSamples,
  keyOf,
  seriesSet,
  storedSamples,
  type TestSeries,
} from '../helpers/samples.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
let dirCount = 0;
const freshDir = () => {
  const dir = join(tmp.dir, `case-${dirCount++}`);
  mkdirSync(dir);
  return dir;
};

/** VictoriaMetrics' spelling of a value: null for NaN, "Infinity"/"-Infinity" as strings. */
const vmValue = (v: number) =>
  Number.isNaN(v) ? null : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v;

/** Renders series as /api/v1/export lines, each series cut into `parts` lines, lines interleaved by `order`. */
function renderVm(series: TestSeries[], cuts: number[], order: number[]): string {
  const lines: string[] = [];
  series.forEach((s, i) => {
    const metric = { __name__: s.metric, ...s.labels };
    const cut = Math.min(cuts[i % cuts.length]!, s.samples.length);
    for (let from = 0; from < s.samples.length; from += cut) {
      const part = s.samples.slice(from, from + cut);
      lines.push(
        JSON.stringify({ metric, values: part.map(([, v]) => vmValue(v)), timestamps: part.map(([t]) => t) }),
      );
    }
  });
  // Interleave: the merged result must not depend on line order.
  return order.length
    ? lines
        .map((l, i) => [order[i % order.length]! + i / 1e6, l] as const)
        .sort((a, b) => a[0] - b[0])
        .map(([, l]) => l)
        .join('\n') + '\n'
    : lines.join('\n') + '\n';
}

describe('vm-jsonl', () => {
  it('round trip: any set of series, split over lines in any order, comes back exactly', async () => {
    await fc.assert(
      fc.asyncProperty(
        seriesSet(),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 8 }),
        fc.boolean(),
        async (series, cuts, order, gzip) => {
          const text = renderVm(series, cuts, order);
          const { format, stored } = await importedSamples(
            freshDir(),
            { 'export.jsonl': gzip ? gzipSync(text) : text },
            'export.jsonl',
          );
          expect(format).toBe('vm-jsonl');
          expect(stored).toEqual(expectedMap(series));
        },
      ),
      { numRuns: 30 },
    );
  });

  it('reads the documented example: null is NaN, "Infinity" strings, one series on two lines', async () => {
    const text = [
      '{"metric":{"__name__":"process_cpu_seconds_total","job":"app","instance":"h:8000"},"values":[1.5,2,null],"timestamps":[1700000000000,1700000015000,1700000030000]}',
      '{"metric":{"__name__":"process_resident_memory_bytes","job":"app","instance":"h:8000"},"values":[1.2e8,"Infinity","-Infinity"],"timestamps":[1700000000000,1700000015000,1700000030000]}',
      '{"metric":{"__name__":"process_cpu_seconds_total","job":"app","instance":"h:8000"},"values":[3.25],"timestamps":[1700000045000]}',
      '',
    ].join('\n');
    const { db } = await importFiles(freshDir(), { 'vm.jsonl': text }, 'vm.jsonl');
    try {
      const labels = { job: 'app', instance: 'h:8000' };
      expect(await storedSamples(db)).toEqual(
        new Map([
          [
            keyOf('process_cpu_seconds_total', labels),
            [
              [1700000000000, 1.5],
              [1700000015000, 2],
              [1700000030000, NaN],
              [1700000045000, 3.25],
            ],
          ],
          [
            keyOf('process_resident_memory_bytes', labels),
            [
              [1700000000000, 1.2e8],
              [1700000015000, Infinity],
              [1700000030000, -Infinity],
            ],
          ],
        ]),
      );
      const kinds = await db.rowsJS(`SELECT metric, kind FROM series ORDER BY metric`);
      expect(kinds.map((k) => k.kind)).toEqual(['counter', 'gauge']);
    } finally {
      db.close();
    }
  });

  it.each([
    [
      'broken JSON',
      '{"metric":{"__name__":"x"},"values":[1],"timestamps":[1]}\n{"metric":{"__name__":"x"},"values":[1,\n',
      /:2: not a VictoriaMetrics export line/,
    ],
    [
      'unequal arrays',
      '{"metric":{"__name__":"x"},"values":[1,2],"timestamps":[1]}\n',
      /:1: "values" has 2 entries but "timestamps" has 1/,
    ],
    [
      'a value that is not a number',
      '{"metric":{"__name__":"x"},"values":["1.5x"],"timestamps":[1]}\n',
      /:1: .*value "1.5x" is not a number/,
    ],
    [
      'a fractional timestamp',
      '{"metric":{"__name__":"x"},"values":[1],"timestamps":[1.5]}\n',
      /:1: .*timestamp 1.5 is not integer milliseconds/,
    ],
  ])('%s is a one-line error with its line', async (_name, text, expected) => {
    const error = await importFiles(freshDir(), { 'bad.jsonl': text }, 'bad.jsonl').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(expected);
    expect((error as Error).message).not.toContain('\n');
  });
});
