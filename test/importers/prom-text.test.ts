import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/base/errors.js';
import { importPath } from '../../src/importers/index.js';
import { TraceDatabase } from '../../src/store/database.js';
import { CAPTURE, tempDir } from '../helpers/cli.js';
import { promNumber, type PromSeries } from '../helpers/prom.js';
import {
  expectedMap,
  importFiles,
  importedSamples,
  keyOf,
  seriesSet,
  storedSamples,
  withoutEmptyLabels,
  type TestSeries,
} from '../helpers/samples.js';

const SCRAPES = join(CAPTURE, 'scrapes/uvicorn-spawn');
const RAW = join(CAPTURE, 'prometheus/uvicorn-spawn/raw_samples.json.gz');
/** Labels Prometheus added to the target's series (scrape config and relabelling), absent from a direct scrape. */
const TARGET_LABELS = ['capture', 'deployment', 'instance', 'job'];

const tmp = tempDir();
afterAll(tmp.cleanup);
let dirCount = 0;
const freshDir = () => {
  const dir = join(tmp.dir, `case-${dirCount++}`);
  mkdirSync(dir);
  return dir;
};

/** The scrape files read by a plain regex, independent of the importer: series key → value. */
function readScrape(path: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line)!;
    // An empty label value is an absent label (Prometheus drops it at scrape time; see build_info's version="").
    const labels = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)]
        .filter((l) => l[2] !== '')
        .map((l) => [l[1], l[2]]),
    );
    out.set(keyOf(m[1]!, labels as Record<string, string>), promNumber(m[3]!));
  }
  return out;
}

describe('prom-text on the real process-exporter scrapes', () => {
  const files = readdirSync(SCRAPES).sort();

  it('imports the folder as one import, every sample at its file-name time, values as written', async () => {
    const db = await TraceDatabase.open(':memory:');
    try {
      const { outcomes } = await importPath(db, SCRAPES, { deployment: 'd' });
      expect(outcomes).toHaveLength(1);
      expect(outcomes[0]!.format).toBe('prom-text');
      const stored = await storedSamples(db);
      let count = 0;
      for (const file of files) {
        const ts = Number(file.replace('.prom', ''));
        for (const [key, value] of readScrape(join(SCRAPES, file))) {
          const at = stored.get(key)?.find(([t]) => t === ts);
          expect(at, `${file} ${key}`).toBeDefined();
          expect(Object.is(at![1], value) || at![1] === value, `${file} ${key}`).toBe(true);
          count++;
        }
      }
      expect(outcomes[0]!.result).toMatchObject({ status: 'imported', samples: count });
      const kinds = await db.rowsJS(
        `SELECT metric, kind, help FROM series WHERE metric IN
         ('namedprocess_namegroup_cpu_seconds_total', 'namedprocess_namegroup_memory_bytes',
          'go_gc_duration_seconds', 'go_gc_duration_seconds_count') GROUP BY ALL ORDER BY metric`,
      );
      expect(kinds.map((k) => [k.metric, k.kind])).toEqual([
        ['go_gc_duration_seconds', 'gauge'],
        ['go_gc_duration_seconds_count', 'counter'],
        ['namedprocess_namegroup_cpu_seconds_total', 'counter'],
        ['namedprocess_namegroup_memory_bytes', 'gauge'],
      ]);
      expect(kinds[2]!.help).toBe('Cpu user usage in seconds');
    } finally {
      db.close();
    }
  });

  /*
   * The scrapes were separate curl requests, between Prometheus' own scrapes of the same
   * exporter (1 s apart). What is comparable exactly: a series whose two Prometheus samples
   * around the curl time are equal did not change in between, so the curl scrape must hold
   * that very value. Two readings are excluded because the act of reading moves them:
   * memtype="proportionalResident" (PSS is recomputed from smaps at each read and drifts by a
   * few pages) and namedprocess_namegroup_states (a process is Running while it is being read).
   */
  it('agrees with the samples Prometheus stored around each scrape wherever they did not change', async () => {
    const db = await TraceDatabase.open(':memory:');
    try {
      await importPath(db, SCRAPES, { deployment: 'd' });
      const stored = await storedSamples(db);
      let raw = readFileSync(RAW);
      raw = gunzipSync(raw);
      const prom = new Map<string, [number, number][]>();
      for (const s of (JSON.parse(raw.toString('utf8')) as { data: { result: PromSeries[] } }).data.result) {
        const { __name__, ...labels } = s.metric;
        for (const l of TARGET_LABELS) delete labels[l];
        prom.set(
          keyOf(__name__!, labels),
          s.values!.map(([t, v]) => [Math.round(t * 1000), promNumber(v)]),
        );
      }
      let compared = 0;
      let counters = 0;
      for (const [key, samples] of stored) {
        const reference = prom.get(key);
        if (
          !reference ||
          key.includes('proportionalResident') ||
          key.startsWith('namedprocess_namegroup_states')
        )
          continue;
        for (const [ts, value] of samples) {
          const after = reference.findIndex(([t]) => t >= ts);
          if (after <= 0) continue;
          const [before, next] = [reference[after - 1]![1], reference[after]![1]];
          if (before !== next) continue;
          expect(value, `${key} at ${ts}`).toBe(before);
          compared++;
          if (key.includes('_total')) counters++;
        }
      }
      // 16 scrapes × ~160 process-exporter series overlap Prometheus' window.
      expect(compared).toBeGreaterThan(2000);
      expect(counters).toBeGreaterThan(500);
    } finally {
      db.close();
    }
  });
});

/** Renders series as a text exposition: 0.0.4 (ms timestamps) or OpenMetrics (seconds, `# EOF`). */
function renderExposition(series: TestSeries[], openMetrics: boolean, withTimestamps = true): string {
  const lines: string[] = [];
  const names = [...new Set(series.map((s) => s.metric))];
  for (const name of names) {
    lines.push(`# HELP ${name} help for ${name} with \\\\ and \\n`);
    lines.push(`# TYPE ${name} ${openMetrics ? 'unknown' : 'untyped'}`);
    for (const s of series.filter((x) => x.metric === name)) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
        .join(',');
      for (const [ts, v] of s.samples) {
        const value = Number.isNaN(v)
          ? 'NaN'
          : v === Infinity
            ? '+Inf'
            : v === -Infinity
              ? '-Inf'
              : String(v);
        const time = openMetrics
          ? `${Math.floor(ts / 1000)}.${String(ts % 1000).padStart(3, '0')}`
          : String(ts);
        lines.push(`${name}${labels ? `{${labels}}` : ''} ${value}${withTimestamps ? ` ${time}` : ''}`);
      }
    }
  }
  if (openMetrics) lines.push('# EOF');
  return lines.join('\n') + '\n';
}

describe('prom-text round trip', () => {
  it.each([
    ['exposition 0.0.4', false],
    ['OpenMetrics', true],
  ])('%s: any set of series with sample timestamps comes back exactly', async (_name, openMetrics) => {
    await fc.assert(
      fc.asyncProperty(seriesSet().map(withoutEmptyLabels), async (series) => {
        const dir = freshDir();
        const { format, stored } = await importedSamples(
          dir,
          { 'metrics.txt': renderExposition(series, openMetrics as boolean) },
          'metrics.txt',
        );
        expect(format).toBe('prom-text');
        expect(stored).toEqual(expectedMap(series));
      }),
      { numRuns: 25 },
    );
  });

  it('a folder of scrapes without sample timestamps takes each time from the unix-ms file name', async () => {
    await fc.assert(
      fc.asyncProperty(
        seriesSet({ finite: true }).map(withoutEmptyLabels),
        fc.uniqueArray(fc.integer({ min: 1.6e12, max: 1.7e12 }), { minLength: 1, maxLength: 4 }),
        async (series, times) => {
          const dir = freshDir();
          const sorted = [...times].sort((a, b) => a - b);
          const files: Record<string, string | Buffer> = {};
          const expected = series.map((s) => ({
            ...s,
            samples: sorted.map((t, i): [number, number] => [t, s.samples[i % s.samples.length]![1]]),
          }));
          sorted.forEach((t, i) => {
            const scrape = expected.map((s) => ({ ...s, samples: [s.samples[i]!] }));
            const text = renderExposition(scrape, false, false);
            files[`${t}.prom${i % 2 ? '.gz' : ''}`] = i % 2 ? gzipSync(text) : text;
          });
          const { format, stored } = await importedSamples(dir, files, '.');
          expect(format).toBe('prom-text');
          expect(stored).toEqual(expectedMap(expected));
        },
      ),
      { numRuns: 15 },
    );
  });
});

describe('prom-text variants', () => {
  it('OpenMetrics metadata: TYPE gives the kind, _created is a gauge, HELP and UNIT are kept, exemplars ignored', async () => {
    const text = [
      '# TYPE http_requests counter',
      '# UNIT http_requests requests',
      '# HELP http_requests Requests \\"served\\"',
      'http_requests_total{path="/a\\\\b"} 10 1700000000.5 # {trace_id="x"} 1 1700000000.4',
      'http_requests_created{path="/a\\\\b"} 1699999999.25 1700000000.5',
      '# TYPE latency histogram',
      'latency_bucket{le="+Inf"} 3 1700000000.5',
      'latency_count 3 1700000000.5',
      'latency_sum 1.5 1700000000.5',
      '# TYPE temperature gauge',
      'temperature 21.5 1700000000.5',
      '# EOF',
      '',
    ].join('\n');
    const { db } = await importFiles(freshDir(), { 'x.om': text }, 'x.om');
    try {
      const rows = await db.rowsJS(
        `SELECT metric, labels['path'] AS path, kind, unit, help, ts, value FROM series JOIN samples USING (series_id) ORDER BY metric`,
      );
      expect(rows.map((r) => [r.metric, r.kind, Number(r.ts), r.value])).toEqual([
        ['http_requests_created', 'gauge', 1700000000500, 1699999999.25],
        ['http_requests_total', 'counter', 1700000000500, 10],
        ['latency_bucket', 'counter', 1700000000500, 3],
        ['latency_count', 'counter', 1700000000500, 3],
        ['latency_sum', 'counter', 1700000000500, 1.5],
        ['temperature', 'gauge', 1700000000500, 21.5],
      ]);
      expect(rows[1]).toMatchObject({ path: '/a\\b', unit: 'requests', help: 'Requests "served"' });
    } finally {
      db.close();
    }
  });

  it('without sample timestamps or a unix-ms file name, --start is the time; without it, an error naming the file', async () => {
    const dir = freshDir();
    const { db } = await importFiles(dir, { 'scrape.txt': 'up 1\n' }, 'scrape.txt', { start: 1700000000000 });
    try {
      expect(await storedSamples(db)).toEqual(new Map([[keyOf('up', {}), [[1700000000000, 1]]]]));
    } finally {
      db.close();
    }
    const db2 = await TraceDatabase.open(':memory:');
    try {
      await expect(importPath(db2, join(dir, 'scrape.txt'), { deployment: 'd' })).rejects.toThrow(
        /scrape\.txt:1:1: sample has no timestamp/,
      );
    } finally {
      db2.close();
    }
  });

  it('drops labels with empty values, as Prometheus does at scrape time', async () => {
    const { db } = await importFiles(
      freshDir(),
      { '1700000000000.prom': 'up{job="",instance="h"} 1\n' },
      '1700000000000.prom',
    );
    try {
      expect(await storedSamples(db)).toEqual(
        new Map([[keyOf('up', { instance: 'h' }), [[1700000000000, 1]]]]),
      );
    } finally {
      db.close();
    }
  });

  it('a folder of unix-ms subfolders (a /proc snapshot set) is not taken for scrapes', async () => {
    const dir = freshDir();
    mkdirSync(join(dir, '1700000000000'));
    writeFileSync(join(dir, '1700000000000', 'meta'), 'clk_tck=100\n');
    const { promText } = await import('../../src/importers/prom-text.js');
    const { openSource } = await import('../../src/importers/source.js');
    expect(promText.detect(await openSource(dir))).toBe(false);
  });

  it.each([
    ['a bad label', 'up{job=x} 1 1000\n', /:1:8: unexpected "x", expected a quoted label value/],
    ['an unterminated label value', 'up 1 1\nup{job="x} 1 1000\n', /:2:8: label value has no closing quote/],
    ['a bad value', '# TYPE up gauge\nup 1,5 1000\n', /:2:4: cannot read sample value "1,5"/],
    ['a bad timestamp', 'up 1 12:00\n', /:1:6: cannot read sample timestamp "12:00"/],
    ['an unknown TYPE', '# TYPE up meter\nup 1 1000\n', /:1:11: unknown metric type "meter"/],
    ['data after # EOF', 'up 1 1000\n# EOF\nup 2 2000\n', /:3:1: data after "# EOF"/],
  ])('%s is a one-line error with its position', async (_name, text, expected) => {
    const dir = freshDir();
    const error = await importFiles(dir, { 'bad.prom': text }, 'bad.prom', { format: 'prom-text' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(expected);
    expect((error as Error).message).not.toContain('\n');
  });
});

// One rule for inputs without samples: a file that is an exposition (metadata lines, or the
// OpenMetrics `# EOF` that ends every exposition, alone when the target exposes nothing: the
// OpenMetrics ABNF `exposition = metricset HASH SP eof`, `metricset = *metricfamily`) is
// imported with no samples and a warning, as an empty prom-json result is; a file with
// nothing of the format in it is an error.
describe('prom-text inputs without samples', () => {
  it.each([
    ['only "# EOF"', '# EOF\n'],
    ['HELP and "# EOF"', '# HELP a x\n# EOF\n'],
    ['only a TYPE line (0.0.4)', '# TYPE a gauge\n'],
  ])('%s is recognised and imported with no samples and a warning', async (_name, text) => {
    const dir = freshDir();
    const { db, format } = await importFiles(dir, { 'empty.prom': text }, 'empty.prom');
    try {
      expect(format).toBe('prom-text');
      const [row] = await db.rowsJS(`SELECT samples, warnings FROM imports`);
      expect(row).toEqual({ samples: 0n, warnings: ['the input holds no samples'] });
    } finally {
      db.close();
    }
  });

  it.each([
    ['an empty file', ''],
    ['blank lines', '\n\n'],
    ['a plain comment', '# scraped by hand\n'],
  ])('%s with --format prom-text is an error', async (_name, text) => {
    const error = await importFiles(freshDir(), { 'x.prom': text }, 'x.prom', { format: 'prom-text' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/x\.prom: no samples in the file$/);
  });
});
