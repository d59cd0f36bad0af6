import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { FIXTURES } from '../../helpers/cli.js';
import type { FuzzInput, FuzzSpec, ValidInput } from '../spec.js';

/**
 * The load-tool summaries (src/importers/{wrk,hey,ab,k6,locust,autocannon}.ts): the real runs in
 * test/fixtures/load-tools as seeds, and generated summaries in each tool's layout. A summary
 * gives 2 samples per counter (requests, errors), one per distinct latency quantile and one for
 * the mean, which is what `samples` counts.
 */
const DIR = join(FIXTURES, 'load-tools');

function seeds(...files: string[]): () => FuzzInput[] {
  return () => files.map((name) => ({ kind: 'file' as const, name, bytes: readFileSync(join(DIR, name)) }));
}

function file(name: string, text: string, samples: number): ValidInput {
  return { input: { kind: 'file', name, bytes: Buffer.from(text) }, samples };
}

const count = fc.integer({ min: 0, max: 2_000_000_000 });
/** A request count and rate whose quotient (the run time of k6 and locust) stays below a year. */
const countAndRate = fc.record({
  requests: fc.integer({ min: 0, max: 10_000_000 }),
  rate: fc.double({ min: 1, max: 1e6, noNaN: true }),
});
const ms = fc.double({ min: 0.001, max: 1e6, noNaN: true });
/** Distinct whole percentiles below 100, ascending. */
const percentiles = fc
  .uniqueArray(fc.integer({ min: 1, max: 99 }), { maxLength: 8 })
  .map((p) => p.sort((a, b) => a - b));

export const wrkSpec: FuzzSpec = {
  format: 'wrk',
  seeds: seeds('wrk.txt', 'wrk-latency.txt', 'wrk-errors.txt'),
  valid: fc
    .record({ requests: count, seconds: ms, avg: ms, max: ms, dist: percentiles, non2xx: fc.option(count) })
    .map(({ requests, seconds, avg, max, dist, non2xx }) => {
      const lines = [
        'Running 1m test @ http://127.0.0.1:8000/',
        '  2 threads and 8 connections',
        '  Thread Stats   Avg      Stdev     Max   +/- Stdev',
        `    Latency   ${avg.toFixed(2)}ms    1.00ms  ${max.toFixed(2)}ms   90.00%`,
        '    Req/Sec   763.35    327.05     1.76k    75.00%',
      ];
      if (dist.length > 0)
        lines.push('  Latency Distribution', ...dist.map((p) => `     ${p}%    ${avg.toFixed(2)}ms`));
      lines.push(`  ${requests} requests in ${seconds.toFixed(2)}s, 1.00MB read`);
      if (non2xx !== null) lines.push(`  Non-2xx or 3xx responses: ${non2xx}`);
      lines.push('Requests/sec:   1513.32', 'Transfer/sec:    276.42KB', '');
      return file('wrk.txt', lines.join('\n'), 4 + 1 + 1 + dist.length);
    }),
};

export const heySpec: FuzzSpec = {
  format: 'hey',
  seeds: seeds('hey-clean.txt', 'hey-refused.txt', 'hey-404.txt'),
  valid: fc
    .record({
      total: ms,
      dist: percentiles,
      codes: fc.array(fc.tuple(fc.integer({ min: 100, max: 599 }), count), { maxLength: 4 }),
    })
    .map(({ total, dist, codes }) => {
      const secs = (v: number) => `${(v / 1000).toFixed(4)} secs`;
      const lines = [
        '',
        'Summary:',
        `  Total:\t${secs(total)}`,
        `  Slowest:\t${secs(total)}`,
        `  Fastest:\t${secs(0)}`,
        `  Average:\t${secs(total / 2)}`,
        '  Requests/sec:\t100.0000',
        '',
        'Latency distribution:',
        ...dist.map((p) => `  ${p}% in ${secs(total / 3)}`),
        '',
        'Status code distribution:',
        ...codes.map(([code, n]) => `  [${code}]\t${n} responses`),
        '',
      ];
      return file('hey.txt', lines.join('\n'), 4 + dist.length + 1 + 1);
    }),
};

export const abSpec: FuzzSpec = {
  format: 'ab',
  seeds: seeds('ab.txt', 'ab-errors.txt'),
  valid: fc
    .record({ seconds: ms, complete: count, non2xx: fc.option(count), dist: percentiles, mean: ms })
    .map(({ seconds, complete, non2xx, dist, mean }) => {
      const lines = [
        'This is ApacheBench, Version 2.3 <$Revision$>',
        '',
        'Server Hostname:        127.0.0.1',
        'Server Port:            8000',
        'Document Path:          /',
        `Time taken for tests:   ${seconds.toFixed(3)} seconds`,
        `Complete requests:      ${complete}`,
        'Failed requests:        0',
        ...(non2xx === null ? [] : [`Non-2xx responses:      ${non2xx}`]),
        `Time per request:       ${mean.toFixed(3)} [ms] (mean)`,
        '',
        'Percentage of the requests served within a certain time (ms)',
        ...dist.map((p) => `  ${p}%      ${Math.round(mean)}`),
        '',
      ];
      return file('ab.txt', lines.join('\n'), 4 + dist.length + 1);
    }),
};

export const k6Spec: FuzzSpec = {
  format: 'k6',
  seeds: () => [
    {
      kind: 'file',
      name: 'summary.json',
      bytes: Buffer.from(
        JSON.stringify({
          state: { testRunDurationMs: 10023.374 },
          metrics: {
            http_reqs: { type: 'counter', values: { count: 1000, rate: 99.77 } },
            http_req_failed: { type: 'rate', values: { rate: 0.003, passes: 3, fails: 997 } },
            http_req_duration: {
              type: 'trend',
              values: { avg: 12.25, med: 11, max: 40, 'p(90)': 19.1, 'p(95)': 21.5 },
            },
          },
        }),
      ),
    },
  ],
  valid: fc
    .record({ run: countAndRate, failed: count, dist: percentiles, avg: ms })
    .map(({ run, failed, dist, avg }) => {
      const { requests: count, rate } = run;
      const trend: Record<string, number> = { avg, med: avg };
      for (const p of dist) trend[`p(${p})`] = avg;
      const doc = {
        metrics: {
          http_reqs: { count, rate },
          http_req_failed: { passes: failed, fails: 0 },
          http_req_duration: trend,
        },
      };
      // med is quantile 0.5: p(50) beside it is the same series.
      return file('export.json', JSON.stringify(doc), 4 + 1 + new Set([50, ...dist]).size);
    }),
};

export const locustSpec: FuzzSpec = {
  format: 'locust',
  seeds: seeds('locust_stats.csv'),
  valid: fc.record({ run: countAndRate, failures: count, avg: ms }).map(({ run, failures, avg }) => {
    const { requests, rate } = run;
    const header =
      'Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,90%,100%';
    const row = (type: string, name: string) =>
      `${type},${name},${requests},${failures},${avg},${avg},${avg},${avg},3.0,${rate},0.0,${avg},${avg},${avg}`;
    return file('stats.csv', `${header}\n${row('GET', '/')}\n${row('', 'Aggregated')}\n`, 4 + 3 + 1);
  }),
};

export const autocannonSpec: FuzzSpec = {
  format: 'autocannon',
  seeds: seeds('autocannon.json'),
  valid: fc
    .record({
      seconds: ms,
      byClass: fc.array(count, { minLength: 5, maxLength: 5 }),
      errors: count,
      p50: ms,
      max: ms,
    })
    .map(({ seconds, byClass, errors, p50, max }) => {
      const doc: Record<string, unknown> = {
        url: 'http://127.0.0.1:8000/',
        connections: 8,
        duration: seconds,
        start: '2026-12-05T13:29:13.293Z',
        errors,
        latency: { mean: p50, max, p50, p99: max },
      };
      ['1xx', '2xx', '3xx', '4xx', '5xx'].forEach((k, i) => (doc[k] = byClass[i]));
      return file('autocannon.json', JSON.stringify(doc), 4 + 3 + 1);
    }),
};
