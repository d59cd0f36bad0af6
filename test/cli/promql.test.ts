import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as msg from '../../src/base/messages.js';
import { CAPTURE, cli, tempDir } from '../helpers/cli.js';
import { readPromBody, type PromSeries } from '../helpers/prom.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const RAW = join(CAPTURE, 'prometheus/gunicorn/raw_samples_cpu_seconds_total.json');
const db = join(tmp.dir, 'p.duckdb');

beforeAll(() => {
  for (const deployment of ['gunicorn', 'before']) {
    const r = cli(['import', RAW, '--db', db, '--deployment', deployment]);
    if (r.status !== 0) throw new Error(r.stderr);
  }
}, 120_000);

describe('trace-analyze promql', () => {
  it('answers an instant query with a vector carrying each series deployment', () => {
    const raw = readPromBody(RAW).result as PromSeries[];
    const last = raw[0]!.values!.at(-1)!;
    const r = cli([
      'promql',
      `namedprocess_namegroup_cpu_seconds_total`,
      '--db',
      db,
      '--time',
      String(last[0]),
    ]);
    expect(r.status, r.stderr).toBe(0);
    const body = JSON.parse(r.stdout) as {
      status: string;
      data: { resultType: string; result: PromSeries[] };
    };
    expect(body.status).toBe('success');
    expect(body.data.resultType).toBe('vector');
    expect(body.data.result).toHaveLength(2 * raw.length);
    // The source label deployment="gunicorn" is the deployment itself in one import, and becomes
    // exported_deployment where the deployment is named differently.
    const first = body.data.result.find(
      (s) =>
        s.metric.groupname === raw[0]!.metric.groupname &&
        s.metric.mode === raw[0]!.metric.mode &&
        s.metric.deployment === 'gunicorn',
    );
    expect(first?.metric).toEqual({
      ...raw[0]!.metric,
      __name__: 'namedprocess_namegroup_cpu_seconds_total',
    });
    expect(first?.value).toEqual([last[0], last[1]]);
    const renamed = body.data.result.find((s) => s.metric.deployment === 'before');
    expect(renamed?.metric.exported_deployment).toBe('gunicorn');
    const only = cli([
      'promql',
      'count(namedprocess_namegroup_cpu_seconds_total)',
      '--db',
      db,
      '--time',
      String(last[0]),
      '--deployment',
      'before',
    ]);
    expect(JSON.parse(only.stdout).data.result).toEqual([
      { metric: {}, value: [last[0], String(raw.length)] },
    ]);
  });

  it('answers a scalar expression as Prometheus does (scalar for --time, matrix for a range)', () => {
    const instant = cli(['promql', '1 + 2 * 3', '--db', db, '--time', '100']);
    expect(instant.stdout).toBe('{"status":"success","data":{"resultType":"scalar","result":[100,"7"]}}\n');
    const range = cli(['promql', '1/0', '--db', db, '--start', '100', '--end', '101', '--step', '1']);
    expect(range.stdout).toBe(
      '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[100,"+Inf"],[101,"+Inf"]]}]}}\n',
    );
  });

  it('--time now evaluates at the clock time', () => {
    const before = Date.now() / 1000;
    const r = cli(['promql', '7', '--db', db, '--time', 'now']);
    expect(r.status, r.stderr).toBe(0);
    const [ts, value] = (JSON.parse(r.stdout) as { data: { result: [number, string] } }).data.result;
    expect(value).toBe('7');
    expect(ts).toBeGreaterThanOrEqual(Math.floor(before));
    expect(ts).toBeLessThanOrEqual(Date.now() / 1000);
  });

  it('a --deployment that matches nothing exits 1 naming the deployments there', () => {
    const r = cli([
      'promql',
      'namedprocess_namegroup_cpu_seconds_total',
      '--db',
      db,
      '--time',
      '100',
      '--deployment',
      'gunicron',
    ]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    // Independent of our SQL: the deployments are the two this test imported.
    expect(r.stderr).toBe(
      `trace-analyze: ${msg.unknownDeployment('--deployment', 'gunicron', db, ['before', 'gunicorn'])}\n`,
    );
  });

  it('exits 2 naming an unsupported construct and its position', () => {
    const r = cli(['promql', 'sum(rate(x[5m])) > 0', '--db', db, '--time', '100']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      `trace-analyze: ${msg.promqlUnsupported({ line: 1, column: 18 }, 'comparison operator >')}\n`,
    );
    expect(r.stdout).toBe('');
  });

  it('exits 2 on invalid PromQL and on bad options', () => {
    const bad = cli(['promql', 'rate(x)', '--db', db, '--time', '100']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('PromQL syntax error at 1:1');
    const noTime = cli(['promql', 'x', '--db', db]);
    expect(noTime.status).toBe(2);
    expect(noTime.stderr).toContain(msg.promqlTimeOptions());
    const semantics = cli(['promql', 'x', '--db', db, '--time', '1', '--semantics', 'prometheus-1']);
    expect(semantics.status).toBe(2);
    expect(semantics.stderr).toContain('--semantics: unknown "prometheus-1"');
    const step = cli(['promql', 'x', '--db', db, '--start', '10', '--end', '5', '--step', '1s']);
    expect(step.status).toBe(2);
    expect(step.stderr).toContain(msg.promqlEndBeforeStart());
  });
});
