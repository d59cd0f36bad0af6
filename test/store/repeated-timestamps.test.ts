/**
 * A sample at a time its series already has is dropped: the first is kept, as Prometheus keeps
 * it (tsdb/head_append.go, memSeries.appendable: a sample at the series' latest time with another
 * value is ErrDuplicateSampleForTimestamp, which the scrape loop counts and drops; an identical
 * one is accepted as a no-op), and the import says how many it dropped. The same rule holds
 * for every importer, within one import and against earlier imports into the deployment.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importPath } from '../../src/importers/index.js';
import { TraceDatabase } from '../../src/store/database.js';
import { STAGE_FILE_ROWS } from '../../src/store/loader.js';
import { FIXTURES, tempDir } from '../helpers/cli.js';
import { keyOf, storedSamples } from '../helpers/samples.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
let count = 0;

/** Imports each file in turn into one fresh database file; returns the database and each import's warnings. */
async function importAll(
  files: [name: string, content: string][],
): Promise<{ db: TraceDatabase; warnings: string[][]; samples: number[] }> {
  const dir = join(tmp.dir, `case-${count++}`);
  mkdirSync(dir);
  const db = await TraceDatabase.open(join(dir, 'trace.duckdb'), { create: true });
  const warnings: string[][] = [];
  const samples: number[] = [];
  for (const [name, content] of files) {
    writeFileSync(join(dir, name), content);
    const { outcomes } = await importPath(db, join(dir, name), { deployment: 'd' });
    const result = outcomes[0]!.result;
    if (result.status !== 'imported') throw new Error(`${name} not imported`);
    warnings.push(result.warnings);
    samples.push(result.samples);
  }
  return { db, warnings, samples };
}

/** series_stats of every series, to compare with figures computed here from the kept samples. */
async function stats(db: TraceDatabase) {
  return db.rowsJS(
    `SELECT s.metric, to_json(s.labels)::VARCHAR AS labels, t.samples::INTEGER AS samples, t.first_ts::DOUBLE AS first_ts,
            t.last_ts::DOUBLE AS last_ts, t.max_value, t.last_value
     FROM series_stats t JOIN series s USING (series_id) ORDER BY s.series_id`,
  );
}

const repeatWarning = (n: number, earlier = 0) =>
  `${n} sample${n === 1 ? '' : 's'} at a time ${n === 1 ? 'its' : 'their'} series already had${earlier > 0 ? ` (${earlier} from an earlier import)` : ''}: the first sample at each time is kept, as Prometheus keeps it`;

describe('repeated timestamps: the first sample is kept', () => {
  it('the OpenMetrics test case duplicate_timestamps stores what Prometheus stores', async () => {
    const db = await TraceDatabase.open(':memory:');
    try {
      const path = join(FIXTURES, 'openmetrics/duplicate_timestamps.om');
      const { outcomes } = await importPath(db, path, { deployment: 'd' });
      expect(outcomes[0]!.result).toMatchObject({ samples: 2, warnings: [repeatWarning(3)] });
      expect(await storedSamples(db)).toEqual(
        new Map([
          [keyOf('a', { a: '1', foo: 'bar' }), [[0, 1]]],
          [keyOf('a', { a: '2', foo: 'bar' }), [[0, 4]]],
        ]),
      );
    } finally {
      db.close();
    }
  });

  it.each([
    ['text exposition (the issue: a 1 0, a 2 0)', 'x.prom', 'a 1 0\na 2 0\nb 1 0\n', [[0, 1]], 1],
    ['an identical repeat', 'x.prom', 'a 1 0\na 1 0\nb 1 0\n', [[0, 1]], 1],
    [
      'a repeat after a later sample (out of order)',
      'x.prom',
      'a 1 0\na 2 5\na 3 0\nb 1 0\n',
      [
        [0, 1],
        [5, 2],
      ],
      1,
    ],
    [
      'VictoriaMetrics blocks that overlap',
      'x.jsonl',
      '{"metric":{"__name__":"a"},"values":[1,2],"timestamps":[0,5]}\n' +
        '{"metric":{"__name__":"b"},"values":[1],"timestamps":[0]}\n' +
        '{"metric":{"__name__":"a"},"values":[9,3],"timestamps":[0,10]}\n',
      [
        [0, 1],
        [5, 2],
        [10, 3],
      ],
      1,
    ],
    [
      'a Prometheus body',
      'x.json',
      '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"a"},"values":[[0,"1"],[0,"2"],[0.005,"2"]]},{"metric":{"__name__":"b"},"values":[[0,"1"]]}]}}',
      [
        [0, 1],
        [5, 2],
      ],
      1,
    ],
    [
      'a Grafana CSV (epoch seconds)',
      'x.csv',
      'Time,a,b\n0,1,1\n0,2,\n0.005,3,\n',
      [
        [0, 1],
        [5, 3],
      ],
      1,
    ],
    [
      'a promtool dump',
      'x.txt',
      '{__name__="a"} 1 0\n{__name__="a"} 2 0\n{__name__="a"} 3 5\n{__name__="b"} 1 0\n',
      [
        [0, 1],
        [5, 3],
      ],
      1,
    ],
  ])('%s: the first is kept, the import warns', async (_name, file, content, kept, repeats) => {
    const { db, warnings } = await importAll([[file, content]]);
    try {
      const stored = await storedSamples(db);
      expect(stored.get(keyOf('a', {}))).toEqual(kept);
      expect(stored.get(keyOf('b', {}))).toEqual([[0, 1]]);
      expect(warnings[0]).toContain(repeatWarning(repeats));
      // The series' statistics are those of the kept samples.
      const a = (await stats(db)).find((r) => r.metric === 'a')!;
      expect(a).toMatchObject({
        samples: kept.length,
        first_ts: kept[0]![0],
        last_ts: kept.at(-1)![0],
        max_value: Math.max(...kept.map((p) => p[1]!)),
        last_value: kept.at(-1)![1],
      });
    } finally {
      db.close();
    }
  });

  it('a sample at a time an earlier import already gave the series is dropped; the earlier import is untouched', async () => {
    const { db, warnings, samples } = await importAll([
      ['first.prom', 'a 1 0\na 2 10\n'],
      ['second.prom', 'a 5 10\na 6 20\na 7 20\n'],
    ]);
    try {
      expect(warnings).toEqual([[], [repeatWarning(2, 1)]]);
      expect(samples).toEqual([2, 1]);
      expect(await db.rowsJS(`SELECT samples::INTEGER AS n FROM imports ORDER BY import_id`)).toEqual([
        { n: 2 },
        { n: 1 },
      ]);
      expect(await storedSamples(db)).toEqual(
        new Map([
          [
            keyOf('a', {}),
            [
              [0, 1],
              [10, 2],
              [20, 6],
            ],
          ],
        ]),
      );
      expect((await stats(db))[0]).toMatchObject({
        samples: 3,
        first_ts: 0,
        last_ts: 20,
        max_value: 6,
        last_value: 6,
      });
    } finally {
      db.close();
    }
  });

  it('repeats out of order across staging files: every first sample is the one kept', async () => {
    // A series exported twice (two VictoriaMetrics replicas without deduplication), the second
    // copy with other values, more samples than one staging file: the first copy must stay.
    const points = Math.ceil(STAGE_FILE_ROWS / 4) + 1;
    const line = (from: number, offset: number) => {
      const ts = Array.from({ length: points }, (_, i) => (from + i) * 1000);
      return `{"metric":{"__name__":"a"},"values":[${ts.map((t) => t / 1000 + offset).join(',')}],"timestamps":[${ts.join(',')}]}\n`;
    };
    const first = [line(0, 0), line(points, 0)];
    const copy = [line(0, 0.5), line(points, 0.5)];
    const { db, warnings, samples } = await importAll([['export.jsonl', [...first, ...copy].join('')]]);
    try {
      expect(2 * 2 * points).toBeGreaterThan(STAGE_FILE_ROWS); // the copy lands in a later staging file
      expect(warnings[0]).toEqual([repeatWarning(2 * points)]);
      expect(samples).toEqual([2 * points]);
      // The kept values are the first copy's: value = ts / 1000 exactly.
      expect(
        await db.rowsJS(
          `SELECT count(*)::INTEGER AS n, count(*) FILTER (WHERE value <> ts / 1000)::INTEGER AS other FROM samples`,
        ),
      ).toEqual([{ n: 2 * points, other: 0 }]);
    } finally {
      db.close();
    }
  }, 120_000);
});
