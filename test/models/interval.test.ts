import { describe, expect, it } from 'vitest';
import {
  blockLength,
  intervalHalfWidth,
  normalQuantile,
  quantileSorted,
  ratioChangeInterval,
  ratioOfSums,
  seededRandom,
  smallSampleFactor,
  studentQuantile,
  tQuantile,
  welchInterval,
  type RatioSample,
} from '../../src/models/interval.js';

/** Normal draws (Box–Muller) from its own seeded generator, independent of the bootstrap's. */
function normals(seed: number): () => number {
  const u = seededRandom(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** n values of an AR(1) process x(t) = mean + phi (x(t−1) − mean) + e(t), stationary sd sigma. */
function ar1(n: number, mean: number, sigma: number, phi: number, seed: number): number[] {
  const z = normals(seed);
  const innovation = sigma * Math.sqrt(1 - phi * phi);
  let x = sigma * z();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    out.push(mean + x);
    x = phi * x + innovation * z();
  }
  return out;
}

const meanOf = (values: number[]): RatioSample => ({ numerator: values, denominator: values.map(() => 1) });

/** How often the interval of (other mean / base mean − 1) holds the true change, over `runs` data sets. */
function coverage(runs: number, make: (seed: number) => [number[], number[]], truth: number): number {
  let hits = 0;
  for (let r = 0; r < runs; r++) {
    const [base, other] = make(1000 + r);
    const i = ratioChangeInterval(meanOf(base), meanOf(other), { resamples: 400 })!;
    if (i.low <= truth && truth <= i.high) hits++;
  }
  return hits / runs;
}

describe('ratioChangeInterval', () => {
  it('is the relative change of the ratios of sums on the data', () => {
    const base = { numerator: [2, 4, 6], denominator: [10, 10, 10] };
    const other = { numerator: [3, 3, 3], denominator: [5, 5, 5] };
    expect(ratioOfSums(base)).toBeCloseTo(0.4, 12);
    expect(ratioChangeInterval(base, other)!.change).toBeCloseTo(0.6 / 0.4 - 1, 12);
  });

  it('covers the true change of two independent normal means about 95 % of the time', () => {
    // N(10, 2) against N(12, 2), 120 s each: the truth is +20 %
    const z = (seed: number) => {
      const g = normals(seed);
      return Array.from({ length: 120 }, () => g());
    };
    const c = coverage(400, (s) => [z(s).map((x) => 10 + 2 * x), z(s + 5000).map((x) => 12 + 2 * x)], 0.2);
    // 400 data sets: a true 95 % gives 0.93–0.97 (±2 standard errors)
    expect(c).toBeGreaterThanOrEqual(0.91);
    expect(c).toBeLessThanOrEqual(0.99);
  });

  it('is as wide as the normal theory says for independent values', () => {
    // mean 10, sd 2, n = 400 each: sd of the ratio of means ≈ 0.2·√2/√400·… (delta method)
    const g = normals(7);
    const base = Array.from({ length: 400 }, () => 10 + 2 * g());
    const other = Array.from({ length: 400 }, () => 10 + 2 * g());
    const i = ratioChangeInterval(meanOf(base), meanOf(other))!;
    const sdChange = (Math.sqrt(2) * (2 / 10)) / Math.sqrt(400);
    // 20 blocks: widened by t(19) / z ≈ 1.06
    expect((i.high - i.low) / (2 * 1.96 * sdChange)).toBeGreaterThan(0.85);
    expect((i.high - i.low) / (2 * 1.96 * sdChange)).toBeLessThan(1.3);
  });

  it('widens for autocorrelated seconds and still covers the truth', () => {
    // AR(1) with lag-1 correlation 0.5: the mean's variance is 3× that of independent values
    const c = coverage(
      400,
      (s) => [ar1(200, 10, 2, 0.5, s), ar1(200, 10, 2, 0.5, s + 5000).map((x) => x * 1.1)],
      0.1,
    );
    expect(c).toBeGreaterThanOrEqual(0.89);
    const base = ar1(400, 10, 2, 0.5, 1);
    const other = ar1(400, 10, 2, 0.5, 2);
    const i = ratioChangeInterval(meanOf(base), meanOf(other))!;
    const iidWidth = (2 * 1.96 * (Math.sqrt(2) * (2 / 10))) / Math.sqrt(400);
    expect((i.high - i.low) / iidWidth).toBeGreaterThan(1.3); // √3 ≈ 1.73 in theory
  });

  it('claims a difference only when the interval excludes 0', () => {
    const g = normals(3);
    const base = Array.from({ length: 60 }, () => 10 + g());
    const same = Array.from({ length: 60 }, () => 10 + g());
    const higher = Array.from({ length: 60 }, () => 13 + g());
    const none = ratioChangeInterval(meanOf(base), meanOf(same))!;
    expect(none.low).toBeLessThan(0);
    expect(none.high).toBeGreaterThan(0);
    expect(none.measurable).toBe(false);
    expect(intervalHalfWidth(none)).toBe(Math.max(-none.low, none.high));
    const more = ratioChangeInterval(meanOf(base), meanOf(higher))!;
    expect(more.measurable).toBe(true);
    expect(more.low).toBeGreaterThan(0);
  });

  it('gives the same interval for the same data (fixed seed)', () => {
    const a = ar1(90, 5, 1, 0.3, 11);
    const b = ar1(90, 5, 1, 0.3, 12);
    expect(ratioChangeInterval(meanOf(a), meanOf(b))).toEqual(ratioChangeInterval(meanOf(a), meanOf(b)));
  });

  it('has no interval without two values, with a zero baseline or non-finite values', () => {
    expect(ratioChangeInterval(meanOf([1]), meanOf([1, 2]))).toBeNull();
    expect(ratioChangeInterval(meanOf([0, 0, 0]), meanOf([1, 2, 3]))).toBeNull();
    expect(ratioChangeInterval(meanOf([1, NaN]), meanOf([1, 2]))).toBeNull();
    expect(ratioChangeInterval({ numerator: [1, 2], denominator: [1] }, meanOf([1, 2]))).toBeNull();
  });
});

describe('helpers', () => {
  it('blocks of ⌈√n⌉ seconds', () => {
    expect(blockLength(1)).toBe(1);
    expect(blockLength(30)).toBe(6);
    expect(blockLength(400)).toBe(20);
  });

  it('normal and Student t quantiles match the tables', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.005)).toBeCloseTo(-2.575829, 6);
    // t(0.975) for 5, 10, 24 degrees of freedom: 2.5706, 2.2281, 2.0639
    expect(studentQuantile(normalQuantile(0.975), 5)).toBeCloseTo(2.5706, 3);
    expect(studentQuantile(normalQuantile(0.975), 10)).toBeCloseTo(2.2281, 3);
    expect(studentQuantile(normalQuantile(0.975), 24)).toBeCloseTo(2.0639, 3);
    expect(smallSampleFactor(6, 0.95)).toBeCloseTo(2.5706 / 1.959964, 3);
  });

  it('quantiles interpolate as R type 7', () => {
    // R: quantile(c(1, 2, 4, 8), c(0.25, 0.975)) = 1.75, 7.7
    expect(quantileSorted([1, 2, 4, 8], 0.25)).toBeCloseTo(1.75, 12);
    expect(quantileSorted([1, 2, 4, 8], 0.975)).toBeCloseTo(7.7, 12);
  });
});

describe('tQuantile', () => {
  it('matches the closed forms for 1 and 2 degrees of freedom', () => {
    // nu = 1 (Cauchy): tan(π (p − ½)); nu = 2: (2p − 1) / √(2p(1 − p))
    for (const p of [0.6, 0.9, 0.975, 0.995]) {
      expect(tQuantile(p, 1)).toBeCloseTo(Math.tan(Math.PI * (p - 0.5)), 8);
      expect(tQuantile(p, 2)).toBeCloseTo((2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 8);
    }
    expect(tQuantile(0.025, 1)).toBeCloseTo(-12.706204736174694, 8);
    expect(tQuantile(0.5, 3)).toBe(0);
  });

  it('matches scipy.stats.t.ppf(0.975, nu) for whole and fractional nu', () => {
    // scipy 1.17.1
    const table: [number, number][] = [
      [1.37, 6.885073156641705],
      [2.5, 3.5746548420036817],
      [3, 3.1824463052837078],
      [4, 2.7764451051977934],
      [5, 2.5705818356363146],
      [30, 2.0422724563012378],
    ];
    for (const [nu, t] of table) expect(tQuantile(0.975, nu)).toBeCloseTo(t, 9);
  });
});

describe('welchInterval', () => {
  it("gives Welch's t-test of Wikipedia's first example and scipy's interval", () => {
    // en.wikipedia.org/wiki/Welch%27s_t-test, Examples, 1: t = −2.46, ν = 24.99, p = 0.021;
    // scipy.stats.ttest_ind(a1, a2, equal_var=False).confidence_interval(): −3.98410 to −0.34924
    const a1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
    const a2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
    const i = welchInterval(a2, a1)!;
    expect(i.degrees_of_freedom).toBeCloseTo(24.99, 2);
    const se = (i.difference_high - i.difference) / tQuantile(0.975, i.degrees_of_freedom);
    expect(i.difference / se).toBeCloseTo(-2.46, 2);
    expect(i.difference_low).toBeCloseTo(-3.984096267140929, 9);
    expect(i.difference_high).toBeCloseTo(-0.3492370661924069, 9);
    expect(i.measurable).toBe(true);
    // the relative change and bounds: over the baseline's mean
    const m2 = a2.reduce((s, x) => s + x, 0) / a2.length;
    expect(i.baseline_mean).toBeCloseTo(m2, 12);
    expect(i.change).toBeCloseTo(i.mean / m2 - 1, 12);
    expect(i.low).toBeCloseTo(-3.984096267140929 / m2, 9);
    expect(i.high).toBeCloseTo(-0.3492370661924069 / m2, 9);
  });

  it('hand-computed: 3 runs each, variances 1 and 4', () => {
    // means 2 and 6, se² = 1/3 + 4/3 = 5/3, ν = (5/3)² / ((1/3)²/2 + (4/3)²/2) = 50/17;
    // t(0.975, 50/17) = 3.218758614532882 (scipy)
    const i = welchInterval([1, 2, 3], [4, 6, 8])!;
    expect(i.degrees_of_freedom).toBeCloseTo(50 / 17, 12);
    const half = 3.218758614532882 * Math.sqrt(5 / 3);
    expect([i.difference, i.difference_low, i.difference_high]).toEqual(
      [4, 4 - half, 4 + half].map((x) => expect.closeTo(x, 9)),
    );
    expect([i.change, i.low, i.high]).toEqual(
      [2, (4 - half) / 2, (4 + half) / 2].map((x) => expect.closeTo(x, 9)),
    );
    expect(i.measurable).toBe(false); // 4 − 4.16 < 0
    expect(welchInterval([1, 2, 3], [5, 6, 7])!.measurable).toBe(true);
  });

  it('covers the true difference about 95 % of the time with 2, 3 and 5 runs of unequal spread', () => {
    // baseline N(10, 0.5), other N(11, 1.5): the truth is +10 %
    for (const runs of [2, 3, 5]) {
      const z = normals(7 + runs);
      let hits = 0;
      const sets = 4000;
      for (let r = 0; r < sets; r++) {
        const base = Array.from({ length: runs }, () => 10 + 0.5 * z());
        const other = Array.from({ length: runs }, () => 11 + 1.5 * z());
        const i = welchInterval(base, other)!;
        if (i.difference_low <= 1 && 1 <= i.difference_high) hits++;
      }
      expect(hits / sets).toBeGreaterThan(0.935);
      expect(hits / sets).toBeLessThan(0.975);
    }
  });

  it('has no interval without 2 runs a side, a non-finite value, a baseline mean ≤ 0 or any spread', () => {
    expect(welchInterval([1], [1, 2])).toBeNull();
    expect(welchInterval([1, 2], [3])).toBeNull();
    expect(welchInterval([1, NaN], [1, 2])).toBeNull();
    expect(welchInterval([-1, 1], [1, 2])).toBeNull();
    expect(welchInterval([5, 5], [6, 6])).toBeNull();
  });
});
