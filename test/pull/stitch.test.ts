import { describe, expect, it } from 'vitest';
import { planChunks } from '../../src/pull/chunks.js';
import { Stitcher, type MatrixSeries } from '../../src/pull/stitch.js';

/** Stored samples of one series: every 1000 ms, so chunk borders (start + k·chunk) hit some of them. */
const STORED: [number, string][] = Array.from({ length: 50 }, (_, i) => [i * 1000 + 999, String(i)]);

/** What a range selector returns for a chunk: closed [from, to] on Prometheus 2.x, left-open (from, to] on 3.x. */
function answer(from: number, to: number, closed: boolean): MatrixSeries[] {
  const values = STORED.filter(([ms]) => (closed ? ms >= from : ms > from) && ms <= to).map(
    ([ms, v]): [number, string] => [ms / 1000, v],
  );
  return [{ metric: { __name__: 'x_total', job: 'a' }, values }];
}

describe('stitching chunks', () => {
  it.each([
    ['Prometheus 2.x (closed ranges)', true],
    ['Prometheus 3.x (left-open ranges)', false],
  ])('%s: every stored sample in the window exactly once', (_name, closed) => {
    const stitcher = new Stitcher();
    for (const chunk of planChunks(5_999, 40_999, 5_000))
      stitcher.add(chunk, answer(chunk.from, chunk.to, closed));
    const [series] = stitcher.series();
    const want = STORED.filter(([ms]) => ms >= 5_999 && ms <= 40_999);
    expect(series!.ts).toEqual(want.map(([ms]) => ms));
    expect(series!.values).toEqual(want.map(([, v]) => Number(v)));
    expect(stitcher.samples).toBe(want.length);
  });

  it('a series selected twice in a chunk is kept once; NaN and infinities are read exactly', () => {
    const stitcher = new Stitcher();
    const chunk = { from: 0, to: 10_000 };
    const values: [number, string][] = [
      [1, 'NaN'],
      [2, '+Inf'],
      [3, '-Inf'],
      [4, '0.30000000000000004'],
    ];
    stitcher.add(chunk, [{ metric: { __name__: 'g', a: '1', b: '2' }, values }]);
    stitcher.add(chunk, [{ metric: { b: '2', __name__: 'g', a: '1' }, values }]);
    const all = stitcher.series();
    expect(all).toHaveLength(1);
    expect(all[0]!.values).toEqual([NaN, Infinity, -Infinity, 0.30000000000000004]);
    expect(all[0]!.ts).toEqual([1000, 2000, 3000, 4000]);
  });

  it('counts native histogram samples it cannot keep', () => {
    const stitcher = new Stitcher();
    stitcher.add({ from: 0, to: 10 }, [
      {
        metric: { __name__: 'h' },
        histograms: [
          [1, {}],
          [2, {}],
        ],
      },
    ]);
    expect(stitcher.skippedHistograms).toBe(2);
  });
});
