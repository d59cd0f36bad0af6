import { copyFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/base/errors.js';
import * as msg from '../../src/base/messages.js';
import { importPath } from '../../src/importers/index.js';
import { TraceDatabase } from '../../src/store/database.js';
import { FIXTURES, tempDir } from '../helpers/cli.js';

/**
 * Load-tool summaries (test/fixtures/load-tools, real runs; its README says how each was made).
 * Every expected figure below is copied from the raw file by eye, with the line it comes from.
 */
const DIR = join(FIXTURES, 'load-tools');
const START = 1_800_000_000_000;
const tmp = tempDir();
afterAll(tmp.cleanup);

interface Expected {
  format: string;
  target?: string;
  durationMs: number;
  requests: number;
  errors?: number;
  quantiles: Record<string, number>;
  mean?: number;
}

const CASES: Record<string, Expected> = {
  // "4579 requests in 3.03s"; "Latency 4.53ms 4.83ms 51.87ms" (avg, stdev, max)
  'wrk.txt': {
    format: 'wrk',
    target: 'http://127.0.0.1:18500/',
    durationMs: 3030,
    requests: 4579,
    errors: 0,
    quantiles: { '1': 0.05187 },
    mean: 0.00453,
  },
  // "Latency Distribution 50% 3.58ms 75% 6.34ms 90% 9.88ms 99% 25.04ms"; "4064 requests in 3.04s"
  'wrk-latency.txt': {
    format: 'wrk',
    target: 'http://127.0.0.1:18500/',
    durationMs: 3040,
    requests: 4064,
    errors: 0,
    quantiles: { '0.5': 0.00358, '0.75': 0.00634, '0.9': 0.00988, '0.99': 0.02504, '1': 0.05848 },
    mean: 0.00496,
  },
  // "2938 requests in 2.03s"; "Non-2xx or 3xx responses: 2938"
  'wrk-errors.txt': {
    format: 'wrk',
    target: 'http://127.0.0.1:18500/missing',
    durationMs: 2030,
    requests: 2938,
    errors: 2938,
    quantiles: { '1': 0.04558 },
    mean: 0.00532,
  },
  // "Total: 3.3116 secs", "Slowest: 1.2416 secs", "Average: 0.0054 secs", "10% in 0.0017 secs",
  // "50% in 0.0033 secs", "99% in 0.0207 secs", "[200] 4522 responses"
  'hey-clean.txt': {
    format: 'hey',
    durationMs: 3312,
    requests: 4522,
    errors: 0,
    quantiles: { '0.1': 0.0017, '0.5': 0.0033, '0.99': 0.0207, '1': 1.2416 },
    mean: 0.0054,
  },
  // "[200] 4133 responses"; "Error distribution: [2300] ... connection refused"
  'hey-refused.txt': {
    format: 'hey',
    durationMs: 3370,
    requests: 4133,
    errors: 2300,
    quantiles: { '0.1': 0.0021, '0.25': 0.0026, '0.5': 0.0035, '0.99': 0.0142, '1': 1.0429 },
    mean: 0.0056,
  },
  // "Total: 0.1670 secs"; "[404] 300 responses"
  'hey-404.txt': {
    format: 'hey',
    durationMs: 167,
    requests: 300,
    errors: 300,
    quantiles: { '1': 0.0106 },
    mean: 0.0022,
  },
  // "Time taken for tests: 0.746 seconds", "Complete requests: 1000", "50% 3" ... "100% 25"
  'ab.txt': {
    format: 'ab',
    target: '127.0.0.1:18500/',
    durationMs: 746,
    requests: 1000,
    errors: 0,
    quantiles: { '0.5': 0.003, '0.66': 0.004, '0.99': 0.022, '1': 0.025 },
    mean: 0.00597,
  },
  // "Complete requests: 500", "Non-2xx responses: 500", "Time taken for tests: 0.467 seconds"
  'ab-errors.txt': {
    format: 'ab',
    target: '127.0.0.1:18500/missing',
    durationMs: 467,
    requests: 500,
    errors: 500,
    quantiles: { '0.5': 0.002, '0.98': 0.023, '1': 0.042 },
    mean: 0.003733,
  },
  // Aggregated row: Request Count 3611, Failure Count 0, Requests/s 1200.005113892334, 50% 4 ... 100% 1100
  'locust_stats.csv': {
    format: 'locust',
    durationMs: Math.round((3611 / 1200.005113892334) * 1000),
    requests: 3611,
    errors: 0,
    quantiles: { '0.5': 0.004, '0.9': 0.007, '0.999': 1, '1': 1.1 },
    mean: 0.005950649316532666,
  },
  // "duration":3.03, "2xx":4128, "errors":0, latency p50 610, p97_5 1637, max 1704, mean 660.95
  'autocannon.json': {
    format: 'autocannon',
    target: 'http://127.0.0.1:18500/',
    durationMs: 3030,
    requests: 4128,
    errors: 0,
    quantiles: { '0.5': 0.61, '0.975': 1.637, '0.99999': 1.704, '1': 1.704 },
    mean: 0.66095,
  },
};

interface Row {
  metric: string;
  quantile: string | null;
  target: string | null;
  file: string;
  ts: number;
  value: number;
}

async function imported(path: string, options: { start?: number; format?: string } = {}) {
  const db = await TraceDatabase.open(':memory:');
  try {
    const { outcomes } = await importPath(db, path, { deployment: 'd', ...options });
    const rows = (await db.rowsJS(
      `SELECT s.metric, s.labels['quantile'] AS quantile, s.labels['target'] AS target, s.labels['file'] AS file,
              p.ts, p.value
       FROM samples p JOIN series s USING (series_id) ORDER BY s.metric, quantile, p.ts`,
    )) as unknown as Row[];
    const warnings = outcomes.map((o) => (o.result.status === 'imported' ? o.result.warnings : []));
    return { outcomes, warnings: warnings[0]!, rows: rows.map((r) => ({ ...r, ts: Number(r.ts) })) };
  } finally {
    db.close();
  }
}

describe('load-tool summaries', () => {
  for (const [file, want] of Object.entries(CASES)) {
    it(`${file}: ${want.format}, recognised and read as printed`, async () => {
      const { outcomes, rows } = await imported(join(DIR, file), { start: START });
      expect(outcomes.map((o) => o.format)).toEqual([want.format]);
      const end = START + want.durationMs;
      const counter = (metric: string) => rows.filter((r) => r.metric === metric).map((r) => [r.ts, r.value]);
      expect(counter('loadgen_requests_total')).toEqual([
        [START, 0],
        [end, want.requests],
      ]);
      if (want.errors !== undefined)
        expect(counter('loadgen_errors_total')).toEqual([
          [START, 0],
          [end, want.errors],
        ]);
      const quantiles = new Map(
        rows.filter((r) => r.metric === 'loadgen_latency_seconds').map((r) => [r.quantile!, r]),
      );
      for (const [q, seconds] of Object.entries(want.quantiles)) {
        expect(quantiles.get(q)?.value, `quantile ${q}`).toBeCloseTo(seconds, 12);
        expect(quantiles.get(q)?.ts).toBe(end);
      }
      const mean = rows.find((r) => r.metric === 'loadgen_latency_mean_seconds');
      if (want.mean !== undefined) expect(mean?.value).toBeCloseTo(want.mean, 12);
      for (const r of rows) {
        expect(r.file).toBe(file);
        expect(r.target ?? undefined).toBe(want.target);
      }
    });
  }

  it('a run without --start is placed by the tool clock, else by mtime minus its duration', async () => {
    // autocannon prints its own start: "start":"2026-12-05T13:29:13.293Z".
    const own = await imported(join(DIR, 'autocannon.json'));
    const start = Date.parse('2026-12-05T13:29:13.293Z');
    expect(own.rows.filter((r) => r.metric === 'loadgen_requests_total').map((r) => r.ts)).toEqual([
      start,
      start + 3030,
    ]);
    expect(own.warnings).toEqual([]);

    const copy = join(tmp.dir, 'wrk.txt');
    copyFileSync(join(DIR, 'wrk.txt'), copy);
    utimesSync(copy, new Date(START + 10_000), new Date(START + 10_000));
    const placed = await imported(copy);
    expect(placed.rows.filter((r) => r.metric === 'loadgen_requests_total').map((r) => r.ts)).toEqual([
      START + 10_000 - 3030,
      START + 10_000,
    ]);
    expect(placed.warnings).toEqual([msg.loadStartFromMtime('wrk')]);
  });

  it('k6: both JSON shapes k6 documents (--summary-export and handleSummary data)', async () => {
    mkdirSync(join(tmp.dir, 'k6'), { recursive: true });
    // --summary-export: figures directly under each metric; no run time (count / rate).
    const exported = join(tmp.dir, 'k6', 'export.json');
    writeFileSync(
      exported,
      JSON.stringify({
        root_group: { name: '', path: '', id: 'd41d8cd98f00b204e9800998ecf8427e', groups: {}, checks: {} },
        metrics: {
          http_reqs: { count: 45765, rate: 4568.791991 },
          http_req_failed: { passes: 12, fails: 45753, value: 0.000262 },
          http_req_duration: {
            avg: 17.47,
            min: 10.93,
            med: 17.31,
            max: 65.33,
            'p(90)': 18.91,
            'p(95)': 19.54,
          },
        },
      }),
    );
    const a = await imported(exported, { start: START });
    expect(a.outcomes[0]!.format).toBe('k6');
    const endA = START + Math.round((45765 / 4568.791991) * 1000);
    expect(a.rows.find((r) => r.metric === 'loadgen_requests_total' && r.value > 0)).toMatchObject({
      ts: endA,
      value: 45765,
    });
    expect(a.rows.find((r) => r.metric === 'loadgen_errors_total' && r.value > 0)?.value).toBe(12);
    const qa = Object.fromEntries(
      a.rows.filter((r) => r.metric === 'loadgen_latency_seconds').map((r) => [r.quantile, r.value]),
    );
    expect(qa).toEqual({ '0.5': 0.01731, '0.9': 0.01891, '0.95': 0.01954, '1': 0.06533 });
    expect(a.warnings).toContain(msg.loadDurationFromRate('k6'));

    // handleSummary's data: figures under "values", the run time in state.testRunDurationMs.
    const summary = join(tmp.dir, 'k6', 'summary.json');
    writeFileSync(
      summary,
      JSON.stringify({
        options: {
          summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'],
          summaryTimeUnit: '',
          noColor: false,
        },
        state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: 10023.374 },
        metrics: {
          http_reqs: { type: 'counter', contains: 'default', values: { count: 1000, rate: 99.77 } },
          http_req_failed: {
            type: 'rate',
            contains: 'default',
            values: { rate: 0.003, passes: 3, fails: 997 },
          },
          http_req_duration: {
            type: 'trend',
            contains: 'time',
            values: { 'p(90)': 19.141, 'p(95)': 21.5, avg: 12.25, min: 1.2, med: 11.0, max: 40.0 },
          },
        },
      }),
    );
    const b = await imported(summary, { start: START });
    expect(b.rows.find((r) => r.metric === 'loadgen_requests_total' && r.value > 0)).toMatchObject({
      ts: START + 10023,
      value: 1000,
    });
    expect(b.rows.find((r) => r.metric === 'loadgen_errors_total' && r.value > 0)?.value).toBe(3);
    expect(b.rows.find((r) => r.metric === 'loadgen_latency_mean_seconds')?.value).toBeCloseTo(0.01225, 12);
    expect(b.warnings).toEqual([]);
  });

  it('a summary missing its key figure is an input error naming the file', async () => {
    const cut = join(tmp.dir, 'wrk-cut.txt');
    writeFileSync(cut, 'Running 3s test @ http://127.0.0.1:18500/\n  2 threads and 8 connections\n');
    await expect(imported(cut, { format: 'wrk' })).rejects.toThrow(
      new InputError(cut, undefined, msg.loadMissing('wrk', '"N requests in <duration>" line')),
    );
    const badAb = join(tmp.dir, 'ab-bad.txt');
    writeFileSync(
      badAb,
      'This is ApacheBench, Version 2.3 <$Revision$>\n\nTime taken for tests:   0.746 seconds\nComplete requests:      many\n',
    );
    await expect(imported(badAb)).rejects.toThrow(
      new InputError(badAb, { line: 4 }, msg.loadBadLine('ab', 'Complete requests: a number')),
    );
    const badK6 = join(tmp.dir, 'k6-bad.json');
    writeFileSync(badK6, '{"metrics": {"http_reqs": {"count": 3, ');
    await expect(imported(badK6, { format: 'k6' })).rejects.toThrow(/k6-bad\.json: not a k6 summary: /);
    await expect(imported(DIR, { format: 'hey' })).rejects.toThrow(
      new InputError(DIR, undefined, msg.loadNotFile('hey')),
    );
  });
});
