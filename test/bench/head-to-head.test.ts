import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareAnswers } from '../../bench/answers.js';
import {
  HEAD_TO_HEAD_QUERIES,
  renderHeadToHead,
  runHeadToHead,
  semanticsFor,
} from '../../bench/head-to-head.js';
import { promInput } from '../../bench/harness.js';
import { havePrometheus, prometheusBlocks, prometheusVersion } from '../../bench/prometheus.js';
import { cli, tempDir } from '../helpers/cli.js';

// The head-to-head of `npm run bench` at a tiny size: the bench's generated samples (8 series
// × 600 points at 1 s) imported here and backfilled into Debian's Prometheus (installed by
// .ci/run), every query asked of both as a range and an instant query, and the answers compared
// value by value. Nothing here looks at a duration.
describe.skipIf(!havePrometheus())('PromQL head-to-head against Prometheus (tiny size)', () => {
  const { dir, cleanup } = tempDir('trace-analyze-h2h-');
  afterAll(cleanup);

  it('answers every supported query as Prometheus does, and names the unsupported ones', async () => {
    const shape = { series: 8, points: 600 };
    const startMs = 1_700_000_000_000;
    const file = await promInput(dir, shape);
    const db = join(dir, 'ours.duckdb');
    const imported = cli(['import', file, '--db', db, '--deployment', 'bench']);
    expect(imported.status, imported.stderr).toBe(0);
    const blocks = await prometheusBlocks(
      dir,
      { ...shape, startMs, intervalMs: 1000 },
      { deployment: 'bench' },
      () => {},
    );
    const rows = await runHeadToHead({
      db,
      blocks,
      workDir: join(dir, 'prometheus'),
      startS: startMs / 1000,
      endS: startMs / 1000 + shape.points,
      step: '60s',
      runs: 1,
      log: () => {},
    });
    expect(rows).toHaveLength(2 * HEAD_TO_HEAD_QUERIES.length);
    for (const row of rows) {
      expect(row.status, `${row.name} (${row.kind}): ${row.note ?? ''}`).not.toBe('failed');
      if (row.status === 'compared') {
        expect(row.comparison!.difference, `${row.name} (${row.kind})`).toBe('');
        expect(row.comparison!.points, `${row.name} (${row.kind})`).toBeGreaterThan(0);
      }
    }
    // The three queries of issue 19's measurement run here.
    const compared = rows.filter((r) => r.status === 'compared').map((r) => `${r.name} ${r.kind}`);
    for (const name of ['sum rate', 'sum by groupname rate', 'sum by mode increase'])
      expect(compared).toEqual(expect.arrayContaining([`${name} range`, `${name} instant`]));
    // 2 processes (8 series: 2 CPU counters and 2 memory gauges each) at the 10 steps after the
    // first (at the start, a window holds no sample yet: scrapes are a few ms late).
    const byGroup = rows.find((r) => r.name === 'sum by groupname rate' && r.kind === 'range')!;
    expect(byGroup.comparison!.series).toBe(2);
    expect(byGroup.comparison!.points).toBe(2 * 10);
    const table = renderHeadToHead(rows, prometheusVersion());
    expect(table).toMatch(/sum by mode increase +range .* equal \(2 series, 20 points\)/);
  }, 120_000);
});

describe('comparing answers as promqltest does', () => {
  const matrix = (values: [number, string][], labels = { a: '1' }) =>
    JSON.stringify({
      status: 'success',
      data: { resultType: 'matrix', result: [{ metric: labels, values }] },
    });

  it('accepts 1e-6 relative differences, both NaN and equal infinities; names the first difference', () => {
    expect(compareAnswers(matrix([[1, '1.0000001']]), matrix([[1, '1']])).difference).toBe('');
    expect(compareAnswers(matrix([[1, 'NaN']]), matrix([[1, 'NaN']])).difference).toBe('');
    expect(compareAnswers(matrix([[1, '+Inf']]), matrix([[1, '+Inf']])).difference).toBe('');
    expect(compareAnswers(matrix([[1, '1.00001']]), matrix([[1, '1']])).difference).toBe(
      '[["a","1"]] at 1: 1.00001 here, 1 in Prometheus',
    );
    expect(compareAnswers(matrix([[1, '1']]), matrix([[2, '1']])).difference).toMatch(/at 1 here, at 2/);
    expect(compareAnswers(matrix([[1, '1']], { a: '2' }), matrix([[1, '1']])).difference).toMatch(/series 0/);
    expect(compareAnswers(matrix([[1, 'NaN']]), matrix([[1, '0']])).difference).toMatch(/NaN here/);
  });

  it('matches an instant vector by label set, in any order', () => {
    const vector = (...samples: [string, string][]) =>
      JSON.stringify({
        status: 'success',
        data: { resultType: 'vector', result: samples.map(([a, v]) => ({ metric: { a }, value: [5, v] })) },
      });
    expect(compareAnswers(vector(['1', '2'], ['2', '3']), vector(['2', '3'], ['1', '2'])).difference).toBe(
      '',
    );
    expect(compareAnswers(vector(['1', '2']), vector(['2', '2'])).difference).toMatch(/not in Prometheus/);
  });

  it('picks --semantics from the Prometheus version', () => {
    expect(semanticsFor('prometheus, version 2.42.0+ds (branch: debian/sid)')).toBe('prometheus-2.42');
    expect(semanticsFor('prometheus, version 2.53.1')).toBe('prometheus-2.51');
    expect(semanticsFor('prometheus, version 3.5.0')).toBe('prometheus-3');
  });
});
