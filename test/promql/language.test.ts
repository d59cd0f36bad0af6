import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../src/base/errors.js';
import * as msg from '../../src/base/messages.js';
import { PromqlSyntaxError } from '../../src/promql/errors.js';
import { evaluatePromql } from '../../src/promql/engine.js';
import type { Semantics } from '../../src/promql/semantics.js';
import { SampleBuffer, type ImportBatch } from '../../src/store/batch.js';
import { TraceDatabase } from '../../src/store/database.js';
import { loadImport } from '../../src/store/loader.js';

/**
 * What Prometheus' own test files do not show: the version differences of the language outside
 * the range functions (Prometheus 3's type-and-unit labels, atan2's metric name since 2.46), and
 * errors of a query's data reaching the caller as one-line user errors.
 */

let db: TraceDatabase;

const SERIES: { metric: string; labels: Record<string, string>; value: number }[] = [
  { metric: 'req_seconds_total', labels: { __type__: 'counter', __unit__: 'seconds', a: '1' }, value: 10 },
  { metric: 'y', labels: { a: '1' }, value: 1 },
  { metric: 'x', labels: { a: '1' }, value: 1 },
];

async function* batches(): AsyncGenerator<ImportBatch> {
  const samples = new SampleBuffer();
  SERIES.forEach((s, ref) => {
    samples.push(ref, 0, 0);
    samples.push(ref, 60_000, s.value);
  });
  yield {
    series: SERIES.map((s, ref) => ({ ref, metric: s.metric, labels: s.labels, kind: 'gauge' as const })),
    samples: samples.take(),
  };
}

beforeAll(async () => {
  db = await TraceDatabase.open(':memory:');
  await loadImport(db, { deployment: 'l', path: 'synthetic', format: 'synthetic', sha256: 'l' }, batches());
});
afterAll(() => db.close());

async function labelsAt(query: string, semantics: Semantics): Promise<[string, string][][]> {
  const r = await evaluatePromql(db, { query, semantics, time: 60_000, deploymentLabel: false });
  return r.series.map((s) => s.labels);
}

describe('PromQL language across --semantics', () => {
  it('Prometheus 3 drops __type__ and __unit__ wherever it drops __name__; 2.x keeps them', async () => {
    for (const query of [
      'rate(req_seconds_total[2m])',
      'req_seconds_total * 2',
      'sum without () (req_seconds_total)',
    ]) {
      expect(await labelsAt(query, 'prometheus-3')).toEqual([[['a', '1']]]);
      expect(await labelsAt(query, 'prometheus-2.42')).toEqual([
        [
          ['__type__', 'counter'],
          ['__unit__', 'seconds'],
          ['a', '1'],
        ],
      ]);
    }
    // A function that keeps the sample (last_over_time) keeps them in every version.
    expect((await labelsAt('last_over_time(req_seconds_total[2m])', 'prometheus-3'))[0]).toContainEqual([
      '__type__',
      'counter',
    ]);
  });

  it('atan2 drops the metric name since 2.46 (PR #12595), keeps it in 2.42', async () => {
    expect(await labelsAt('y atan2 x', 'prometheus-2.42')).toEqual([
      [
        ['__name__', 'y'],
        ['a', '1'],
      ],
    ]);
    expect(await labelsAt('y atan2 x', 'prometheus-2.51')).toEqual([[['a', '1']]]);
    expect(await labelsAt('y atan2 x', 'prometheus-3')).toEqual([[['a', '1']]]);
  });

  it("errors of the query's values are one-line user errors", async () => {
    const run = (query: string) =>
      evaluatePromql(db, { query, semantics: 'prometheus-3', time: 60_000, deploymentLabel: false });
    await expect(run('topk(NaN, x)')).rejects.toThrow(new CliError('Parameter value is NaN for parameter k'));
    await expect(run('double_exponential_smoothing(x[2m], 1.5, 0.5)')).rejects.toThrow(
      new CliError('invalid smoothing factor. Expected: 0 < sf < 1, got: 1.5'),
    );
    // Two series with one label set after label_replace (engine.go: duplicate labelset).
    await expect(run('label_replace({__name__=~"x|y"}, "__name__", "z", "", "")')).rejects.toThrow(CliError);
    // The same in a range query, whose rows carry label-set numbers: x and y without their names
    // are one label set (engine.go rangeEval).
    const range = (query: string) =>
      evaluatePromql(db, {
        query,
        semantics: 'prometheus-3',
        start: 0,
        end: 60_000,
        step: 30_000,
        deploymentLabel: false,
      });
    await expect(range('{__name__=~"x|y"} * 2')).rejects.toThrow(
      new CliError(msg.promqlDuplicateSeries('{a="1"}')),
    );
    await expect(range('sum by (a) ({__name__=~"x|y"} * 2)')).resolves.toMatchObject({
      series: [{ labels: [['a', '1']] }],
    });
  });

  it('refuses an invalid regex as PromQL that is wrong, at its position; anchoring as Prometheus does', async () => {
    const run = (query: string) =>
      evaluatePromql(db, { query, semantics: 'prometheus-3', time: 60_000, deploymentLabel: false });
    await expect(run('x + y{a=~"("}')).rejects.toThrow(PromqlSyntaxError);
    await expect(run('x + y{a=~"("}')).rejects.toThrow(
      /^PromQL syntax error at 1:5: invalid regular expression "\("/,
    );
    await expect(run('label_replace(x, "b", "$1", "a", "(")')).rejects.toThrow(
      msg.promqlBadRegex('(', 'missing ): (?s:()'),
    );
    // ^(?s:a)|(b)$ is valid RE2 although "a)|(b" alone is not balanced.
    expect((await run('x{a=~"1)|(2"}')).series).toHaveLength(1);
  });
});
