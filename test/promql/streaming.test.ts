import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../src/base/errors.js';
import { preparePromql, runPromql } from '../../src/promql/engine.js';
import { ResultWriter } from '../../src/promql/format.js';
import { SampleBuffer, type ImportBatch, type SeriesDef } from '../../src/store/batch.js';
import { TraceDatabase } from '../../src/store/database.js';
import { loadImport } from '../../src/store/loader.js';

/**
 * The result leaves DuckDB chunk by chunk and is written as it comes (engine.ts runPromql,
 * format.ts ResultWriter): the body is written in several pieces, each piece is passed on
 * before the next chunk is read, and the pieces make the body Prometheus writes. An error found
 * in the result (two samples of one label set at one step) stops the query before anything is
 * written.
 */

const SERIES = 6;
const POINTS = 1000;

async function* data(): AsyncGenerator<ImportBatch> {
  const series: SeriesDef[] = [];
  const samples = new SampleBuffer(1 << 16);
  for (let s = 0; s < SERIES; s++) {
    series.push({ ref: s, metric: 'up_total', labels: { i: String(s) }, kind: 'counter' });
    for (let p = 0; p < POINTS; p++) samples.push(s, p * 1000, p * (s + 1));
  }
  // The same labels under two metric names: dropping the name leaves one label set twice.
  series.push({ ref: SERIES, metric: 'a', labels: { job: 'x' }, kind: 'gauge' });
  series.push({ ref: SERIES + 1, metric: 'b', labels: { job: 'x' }, kind: 'gauge' });
  for (let p = 0; p < 100; p++) {
    samples.push(SERIES, p * 1000, 1);
    if (p >= 50) samples.push(SERIES + 1, p * 1000, 2);
  }
  yield { series, samples: samples.take() };
}

let db: TraceDatabase;

beforeAll(async () => {
  db = await TraceDatabase.open(':memory:');
  await loadImport(db, { deployment: 'd', path: 'synthetic', format: 'test', sha256: 'synthetic' }, data());
});

afterAll(() => db?.close());

/** Runs a range query through the CLI's path, recording each piece of text as it is passed on. */
async function pieces(query: string, end: number): Promise<string[]> {
  const out: string[] = [];
  const prepared = preparePromql({ query, semantics: 'prometheus-3', start: 0, end, step: 1000 });
  const writer = new ResultWriter(prepared.resultType, (text) => void out.push(text));
  await runPromql(db, prepared, writer);
  await writer.end();
  return out;
}

describe('streamed PromQL results', () => {
  it('writes a large result in pieces, one per chunk of rows, that make the whole body', async () => {
    const out = await pieces('up_total', (POINTS - 1) * 1000);
    // 6000 rows: DuckDB hands them over in chunks of at most 2048.
    expect(out.length).toBeGreaterThanOrEqual(3);
    const body = JSON.parse(out.join('')) as {
      data: { resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] };
    };
    expect(body.data.resultType).toBe('matrix');
    expect(body.data.result.map((s) => s.metric.i)).toEqual(['0', '1', '2', '3', '4', '5']);
    for (const [s, series] of body.data.result.entries()) {
      expect(series.values).toHaveLength(POINTS);
      // The raw samples: value p * (s + 1) at p seconds.
      series.values.forEach(([t, v], p) => {
        expect(t).toBe(p);
        expect(v).toBe(String(p * (s + 1)));
      });
    }
  });

  it('refuses two samples of one label set at one step before writing anything', async () => {
    const out: string[] = [];
    const prepared = preparePromql({
      query: '-{job="x"}',
      semantics: 'prometheus-3',
      start: 0,
      end: 99_000,
      step: 1000,
    });
    const writer = new ResultWriter(prepared.resultType, (text) => void out.push(text));
    const error = await runPromql(db, prepared, writer).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toBe(
      'vector cannot contain metrics with the same labelset {deployment="d", job="x"}',
    );
    expect(out).toEqual([]);
    // Before the second series starts, the one label set has one sample per step: no error.
    expect(JSON.parse((await pieces('-{job="x"}', 49_000)).join('')).data.result).toHaveLength(1);
  });
});
