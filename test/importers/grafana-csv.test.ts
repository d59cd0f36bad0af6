import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/base/errors.js';
import { tempDir } from '../helpers/cli.js';
import {
  expectedMap,
  importFiles,
  importedSamples,
  keyOf,
  storedSamples,
  type TestSeries,
} from '../helpers/samples.js';

// Local-time strings are read in the process' zone; a zone with an offset makes that reading matter.
process.env.TZ = 'Europe/Berlin';

const tmp = tempDir();
afterAll(tmp.cleanup);
let dirCount = 0;
const freshDir = () => {
  const dir = join(tmp.dir, `case-${dirCount++}`);
  mkdirSync(dir);
  return dir;
};

type Encoding = 'utf-8' | 'utf-8-bom' | 'utf-16le-bom';
type Delimiter = ',' | ';' | '\t';

/** Grafana's display name for a Prometheus series: `metric{a="b", c="d"}` (values not escaped). */
const displayName = (s: TestSeries) => {
  const labels = Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : 1));
  return labels.length ? `${s.metric}{${labels.map(([k, v]) => `${k}="${v}"`).join(', ')}}` : s.metric;
};

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
/** Grafana's formatted time: local "YYYY-MM-DD HH:mm:ss" (browser zone; here the test process' zone). */
const localTime = (ms: number) => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
};

const UNITS: [string, number][] = [
  ['GiB', 2 ** 30],
  ['MiB', 2 ** 20],
  ['kB', 1e3],
  ['ms', 1e-3],
  ['%', 1],
  ['s', 1],
  ['K', 1e3],
];

/**
 * Renders a Grafana "Inspect → Data" CSV: a Time column and one column per series, the union of
 * times ("joined by time", blanks where a series has no sample). Formatted: local times and
 * `<number> <unit>` cells; raw: epoch ms and plain numbers.
 */
function renderCsv(
  series: TestSeries[],
  options: { delimiter: Delimiter; encoding: Encoding; formatted: boolean; unit: [string, number] },
): Buffer {
  const quote = (text: string) =>
    new RegExp(`[${options.delimiter}"\\n]`).test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  const times = [...new Set(series.flatMap((s) => s.samples.map(([t]) => t)))].sort((a, b) => a - b);
  const lines = [
    ['Time', ...series.map(displayName)].map((h) => `"${h.replace(/"/g, '""')}"`).join(options.delimiter),
  ];
  for (const t of times) {
    const cells = [options.formatted ? localTime(t) : String(t)];
    for (const s of series) {
      const sample = s.samples.find(([x]) => x === t);
      if (!sample) cells.push('');
      else
        cells.push(
          options.formatted
            ? `${sample[1]}${options.unit[0] === '%' ? '' : ' '}${options.unit[0]}`
            : String(sample[1]),
        );
    }
    lines.push(cells.map(quote).join(options.delimiter));
  }
  const text = lines.join('\r\n') + '\r\n';
  if (options.encoding === 'utf-8') return Buffer.from(text, 'utf8');
  if (options.encoding === 'utf-8-bom') return Buffer.from(`\uFEFF${text}`, 'utf8');
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
}

/** Series Grafana can show: finite values, labels without quotes or backslashes (display names do not escape them), whole seconds when formatted. */
function grafanaSeries(wholeSeconds: boolean) {
  const name = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,10}$/);
  const value = fc.string({
    unit: fc.constantFrom('a', 'Z', '0', ' ', ',', ';', ':', '/', 'é', '\t'),
    maxLength: 6,
  });
  const time = fc.integer({ min: 1_600_000_000, max: 1_600_100_000 }).map((s) => s * 1000);
  return fc
    .uniqueArray(
      fc.record({
        metric: name,
        labels: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/), value, { maxKeys: 2 }),
        times: fc.uniqueArray(wholeSeconds ? time : fc.integer({ min: 1.6e12, max: 1.6e12 + 1e8 }), {
          minLength: 1,
          maxLength: 5,
        }),
        values: fc.array(
          fc
            .double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 })
            .filter((v) => !Object.is(v, -0)),
          { minLength: 5, maxLength: 5 },
        ),
      }),
      {
        minLength: 1,
        maxLength: 4,
        selector: (s) => displayName({ metric: s.metric, labels: s.labels, samples: [] }),
      },
    )
    .map((list) =>
      list.map((s): TestSeries => ({
        metric: s.metric,
        // Grafana trims nothing, but a label value with a leading/trailing space would not survive our cell trim.
        labels: Object.fromEntries(Object.entries(s.labels).map(([k, v]) => [k, v.trim() || 'x'])),
        samples: [...s.times].sort((a, b) => a - b).map((t, i) => [t, s.values[i]!]),
      })),
    );
}

describe('grafana-csv round trip', () => {
  it('raw data (epoch ms, plain numbers), any delimiter and encoding, joined by time or one series', async () => {
    await fc.assert(
      fc.asyncProperty(
        grafanaSeries(false),
        fc.constantFrom<Delimiter>(',', ';', '\t'),
        fc.constantFrom<Encoding>('utf-8', 'utf-8-bom', 'utf-16le-bom'),
        async (series, delimiter, encoding) => {
          const csv = renderCsv(series, { delimiter, encoding, formatted: false, unit: ['', 1] });
          const { format, stored } = await importedSamples(freshDir(), { 'panel.csv': csv }, 'panel.csv');
          expect(format).toBe('grafana-csv');
          expect(stored).toEqual(expectedMap(series));
        },
      ),
      { numRuns: 30 },
    );
  });

  it('formatted data (local time strings, values with units) reads back in base units', async () => {
    await fc.assert(
      fc.asyncProperty(
        grafanaSeries(true),
        fc.constantFrom<Delimiter>(',', ';', '\t'),
        fc.constantFrom<Encoding>('utf-8', 'utf-16le-bom'),
        fc.constantFrom(...UNITS),
        async (series, delimiter, encoding, unit) => {
          const csv = renderCsv(series, { delimiter, encoding, formatted: true, unit });
          const { db } = await importFiles(freshDir(), { 'panel.csv': csv }, 'panel.csv');
          try {
            const scaled = series.map((s) => ({
              ...s,
              samples: s.samples.map(([t, v]): [number, number] => [t, v * unit[1]]),
            }));
            expect(await storedSamples(db)).toEqual(expectedMap(scaled));
          } finally {
            db.close();
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('grafana-csv variants', () => {
  it('one series per file, formatted, with an Excel sep= line; units recorded, local times warned about', async () => {
    const csv =
      'sep=;\r\n"Time";"process_resident_memory_bytes{instance=""h:8000"", job=""app""}"\r\n2023-11-14 22:13:20;1.23 GiB\r\n2023-11-14 22:13:35;1.5 GiB\r\n';
    const { db } = await importFiles(freshDir(), { 'memory.csv': csv }, 'memory.csv');
    try {
      const t0 = new Date(2023, 10, 14, 22, 13, 20).getTime();
      expect(await storedSamples(db)).toEqual(
        new Map([
          [
            keyOf('process_resident_memory_bytes', { instance: 'h:8000', job: 'app' }),
            [
              [t0, 1.23 * 2 ** 30],
              [t0 + 15000, 1.5 * 2 ** 30],
            ],
          ],
        ]),
      );
      const [s] = await db.rowsJS(`SELECT unit, kind FROM series`);
      expect(s).toEqual({ unit: 'bytes', kind: 'gauge' });
      const [imp] = await db.rowsJS(`SELECT warnings::VARCHAR AS w FROM imports`);
      expect(imp!.w).toMatch(/carry no zone; read as/);
    } finally {
      db.close();
    }
  });

  it('a legend that is not a series name becomes the metric name; unknown units are kept as the unit', async () => {
    const csv = 'Time,worker 1,Value\n1700000000000,12 req/s,NaN\n1700000015000,,Infinity\n';
    const { db } = await importFiles(freshDir(), { 'panel.csv': csv }, 'panel.csv');
    try {
      expect(await storedSamples(db)).toEqual(
        new Map([
          [keyOf('worker 1', {}), [[1700000000000, 12]]],
          [
            keyOf('Value', {}),
            [
              [1700000000000, NaN],
              [1700000015000, Infinity],
            ],
          ],
        ]),
      );
      const units = await db.rowsJS(`SELECT metric, unit FROM series ORDER BY metric`);
      expect(units).toEqual([
        { metric: 'Value', unit: null },
        { metric: 'worker 1', unit: 'req/s' },
      ]);
    } finally {
      db.close();
    }
  });

  it('UTF-16BE with a BOM and UTF-16LE without one; ISO times with a zone, epoch seconds, per-second units', async () => {
    const text = 'Time\tnet\n2023-11-14T22:13:20Z\t1.5 MB/s\n1699999999.5\t2 KiB/s\n';
    const be = Buffer.from(text, 'utf16le').swap16();
    for (const [name, bytes] of [
      ['be.csv', Buffer.concat([Buffer.from([0xfe, 0xff]), be])],
      ['le.csv', Buffer.from(text, 'utf16le')],
    ] as const) {
      const { db, format } = await importFiles(freshDir(), { [name]: bytes }, name);
      try {
        expect(format).toBe('grafana-csv');
        expect(await storedSamples(db)).toEqual(
          new Map([
            [
              keyOf('net', {}),
              [
                [1699999999500, 2048],
                [Date.UTC(2023, 10, 14, 22, 13, 20), 1.5e6],
              ],
            ],
          ]),
        );
        expect(await db.rowsJS(`SELECT unit FROM series`)).toEqual([{ unit: 'bytes_per_second' }]);
      } finally {
        db.close();
      }
    }
  });

  it.each([
    [
      'a bad time',
      'Time,x\n1700000000000,1\nyesterday,2\n',
      /panel\.csv:3: cannot read "yesterday" as a time/,
    ],
    [
      'a bad value',
      'Time;x\n1700000000000;1\n1700000015000;2\n1700000030000;abc\n',
      /panel\.csv:4: cannot read "abc" as a number/,
    ],
  ])('%s is a one-line error with its line', async (_n, text, expected) => {
    const error = await importFiles(freshDir(), { 'panel.csv': text }, 'panel.csv').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(expected);
  });

  it('a header without rows (a panel with no data) imports its series with no samples and a warning', async () => {
    const { db } = await importFiles(freshDir(), { 'panel.csv': '"Time","up{job=""a""}"\n' }, 'panel.csv');
    try {
      expect(await db.rowsJS(`SELECT samples, warnings FROM imports`)).toEqual([
        { samples: 0n, warnings: ['the input holds no samples'] },
      ]);
    } finally {
      db.close();
    }
  });

  // Grafana names a series without __name__ (every rate() or sum() panel) by its label set:
  // formatLabels in packages/grafana-data/src/utils/labels.ts sorts the keys and joins
  // `key="value"` with ", " inside braces, values unescaped; its labels.test.ts expects
  // '{baz="42", foo="bar"}'. Such a header is labels with an empty metric name, as prom-json
  // keeps a series without __name__.
  it('a header that is a label set (a series without __name__) gives labels and no metric name', async () => {
    const csv =
      '"Time","{instance=""prod-01"", job=""node""}","{baz=""42"", foo=""bar""}","{__name__=""up"", job=""a""}"\n' +
      '1700000000000,0.25,1,1\n';
    const { db } = await importFiles(freshDir(), { 'rate.csv': csv }, 'rate.csv');
    try {
      expect(await storedSamples(db)).toEqual(
        new Map([
          [keyOf('', { instance: 'prod-01', job: 'node' }), [[1700000000000, 0.25]]],
          [keyOf('', { baz: '42', foo: 'bar' }), [[1700000000000, 1]]],
          [keyOf('up', { job: 'a' }), [[1700000000000, 1]]],
        ]),
      );
    } finally {
      db.close();
    }
  });

  it('a CSV without a time column is not taken for Grafana', async () => {
    const error = await importFiles(freshDir(), { 'x.csv': 'a,b\n1,2\n' }, 'x.csv').catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/format not recognised/);
  });
});
