import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../src/base/errors.js';
import * as msg from '../../src/base/messages.js';
import { evaluatePromql } from '../../src/promql/engine.js';
import { SampleBuffer, type ImportBatch } from '../../src/store/batch.js';
import { TraceDatabase } from '../../src/store/database.js';
import { loadImport } from '../../src/store/loader.js';

/**
 * One-to-one vector matching refuses what Prometheus refuses (engine.go VectorBinop): two
 * right-hand series with one match key (many-to-many), two left-hand series matching one
 * right-hand series (many-to-one without group_left), at a step where both sides have samples.
 */

let db: TraceDatabase;

const SERIES: { metric: string; labels: Record<string, string>; samples: [number, number][] }[] = [
  { metric: 'req', labels: { path: 'a', code: '200' }, samples: [[0, 10]] },
  { metric: 'req', labels: { path: 'a', code: '500' }, samples: [[0, 1]] },
  { metric: 'lim', labels: { path: 'a' }, samples: [[0, 100]] },
  { metric: 'other', labels: { path: 'b' }, samples: [[0, 5]] },
  // only from 200 s on: at 0 s the left-hand side is empty
  { metric: 'late', labels: { path: 'a' }, samples: [[200_000, 7]] },
];

async function* batches(): AsyncGenerator<ImportBatch> {
  const samples = new SampleBuffer();
  SERIES.forEach((s, ref) => s.samples.forEach(([t, v]) => samples.push(ref, t, v)));
  yield {
    series: SERIES.map((s, ref) => ({ ref, metric: s.metric, labels: s.labels, kind: 'gauge' as const })),
    samples: samples.take(),
  };
}

beforeAll(async () => {
  db = await TraceDatabase.open(':memory:');
  await loadImport(db, { deployment: 'm', path: 'synthetic', format: 'synthetic', sha256: 'm' }, batches());
});
afterAll(() => db.close());

const at = (query: string, time: number) =>
  evaluatePromql(db, { query, semantics: 'prometheus-3', time, deploymentLabel: false });

describe('one-to-one vector matching', () => {
  it('matches one series on each side', async () => {
    const r = await at('req{code="200"} + on(path) lim', 0);
    expect(r.series).toEqual([{ labels: [['path', 'a']], points: [{ t: 0, v: 110 }] }]);
  });

  it('refuses two right-hand series with one match key, matched or not', async () => {
    await expect(at('lim + on(path) req', 0)).rejects.toThrow(new CliError(msg.promqlManyToMany()));
    await expect(at('other + on(path) req', 0)).rejects.toThrow(new CliError(msg.promqlManyToMany()));
  });

  it('refuses two left-hand series matching one right-hand series', async () => {
    await expect(at('req + on(path) lim', 0)).rejects.toThrow(new CliError(msg.promqlManyToOne()));
    await expect(at('req + ignoring(code) lim', 0)).rejects.toThrow(new CliError(msg.promqlManyToOne()));
  });

  it('does not refuse at a step where one side is empty', async () => {
    expect((await at('late + on(path) req', 0)).series).toEqual([]);
    await expect(at('late + on(path) req', 200_000)).rejects.toThrow(new CliError(msg.promqlManyToMany()));
  });

  it('the error reaches the CLI as one line, exit 1, inside a larger expression too', async () => {
    await expect(at('sum(req + on(path) lim) * 2', 0)).rejects.toThrow(new CliError(msg.promqlManyToOne()));
  });
});
