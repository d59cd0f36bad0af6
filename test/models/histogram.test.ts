import { describe, expect, it } from 'vitest';
import { histogramQuantile } from '../../src/models/histogram.js';

// Prometheus' engine test data (promql/testdata/histograms.test, at 50m): testhistogram_bucket
// {start="positive"} with le 0.1, .2, 1e0, +Inf at 50, 70, 110, 120 and {start="negative"} with
// le -.2, -0.1, 0.3, +Inf at 10, 20, 20, 30; the expected values are Prometheus' answers there.
const positive = [
  { upperBound: 0.1, count: 50 },
  { upperBound: 0.2, count: 70 },
  { upperBound: 1, count: 110 },
  { upperBound: Infinity, count: 120 },
];
const negative = [
  { upperBound: -0.2, count: 10 },
  { upperBound: -0.1, count: 20 },
  { upperBound: 0.3, count: 20 },
  { upperBound: Infinity, count: 30 },
];

describe('histogramQuantile', () => {
  it('interpolates as histogram_quantile() does', () => {
    expect(histogramQuantile(0, positive)).toBeCloseTo(0, 12);
    expect(histogramQuantile(0.2, positive)).toBeCloseTo(0.048, 12);
    expect(histogramQuantile(0.5, positive)).toBeCloseTo(0.15, 12);
    expect(histogramQuantile(0.8, positive)).toBeCloseTo(0.72, 12);
    expect(histogramQuantile(1, positive)).toBeCloseTo(1, 12);
    expect(histogramQuantile(0.2, negative)).toBeCloseTo(-0.2, 12);
    expect(histogramQuantile(0.5, negative)).toBeCloseTo(-0.15, 12);
    expect(histogramQuantile(0.8, negative)).toBeCloseTo(0.3, 12);
  });

  it('sorts, sums buckets of one bound and forces monotonic counts', () => {
    const shuffled = [positive[3]!, positive[1]!, positive[0]!, positive[2]!];
    expect(histogramQuantile(0.5, shuffled)).toBeCloseTo(0.15, 12);
    // two series of one handler each: buckets of equal bounds add up
    const halves = positive.flatMap((b) => [
      { upperBound: b.upperBound, count: b.count / 2 },
      { upperBound: b.upperBound, count: b.count / 2 },
    ]);
    expect(histogramQuantile(0.8, halves)).toBeCloseTo(0.72, 12);
    // a bucket read lower than its predecessor counts as its predecessor
    const dip = [
      { upperBound: 0.1, count: 50 },
      { upperBound: 0.2, count: 40 },
      { upperBound: Infinity, count: 100 },
    ];
    expect(histogramQuantile(0.5, dip)).toBeCloseTo(0.1, 12);
  });

  it('has no answer where Prometheus gives NaN, ±Inf outside [0, 1]', () => {
    expect(histogramQuantile(0.5, positive.slice(0, 3))).toBeNull();
    expect(histogramQuantile(0.5, [{ upperBound: Infinity, count: 3 }])).toBeNull();
    expect(
      histogramQuantile(
        0.5,
        positive.map((b) => ({ ...b, count: 0 })),
      ),
    ).toBeNull();
    expect(histogramQuantile(NaN, positive)).toBeNull();
    expect(histogramQuantile(-1, positive)).toBe(-Infinity);
    expect(histogramQuantile(2, positive)).toBe(Infinity);
  });
});
