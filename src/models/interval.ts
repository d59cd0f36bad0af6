/**
 * Intervals for a difference against the baseline, from the data alone: a circular block
 * bootstrap (Politis & Romano 1992) over a phase's per-second values. A phase's per-second
 * CPU and request counts are autocorrelated (a second of high load is followed by another), so
 * single seconds cannot be resampled on their own: that would take n correlated seconds for n
 * independent ones and give too narrow an interval. Blocks of consecutive seconds keep the
 * correlation within a block, and the interval widens as the correlation requires. The block
 * length is ⌈√n⌉: longer than the n^(1/3) that minimises the bootstrap variance's mean squared
 * error (Hall, Horowitz & Jing 1995), since a short block misses correlation beyond its length
 * and the interval comes out too narrow, and a finding must not claim a difference the data
 * does not show (with n = 200 seconds of lag-1 correlation 0.8, n^(1/3) covers about 80 %
 * of the time where 95 % is meant; √n about 90 %). Circular: a block that runs past the last second wraps to the first, so
 * every second is drawn equally often.
 *
 * Each deployment is resampled on its own (they ran one after the other, independently), the
 * statistic is recomputed on every resample, and the interval is the 2.5 and 97.5 percentiles
 * of the relative change over the resamples (the percentile interval), widened about the
 * estimate by Student's t over the normal quantile for the number of blocks (smallSampleFactor):
 * a phase of a few blocks gives an uncertain variance. Simulated coverage of the 95 % interval
 * (test/models/interval.test.ts): 96 % for independent seconds, 94 % at lag-1 correlation 0.5,
 * 85–94 % at 0.8 (30–600 s). The generator has a
 * fixed seed, so the same data gives the same interval and a report stays byte-identical.
 */

/** One deployment's per-second values of a phase: numerator and denominator of a ratio of sums. */
export interface RatioSample {
  /** e.g. CPU-seconds per second. */
  numerator: readonly number[];
  /** e.g. requests per second; all 1 for a plain mean of the numerator. */
  denominator: readonly number[];
}

export interface ChangeInterval {
  /** The relative change of the statistic on the data: other / baseline − 1. */
  change: number;
  /** The 95 % percentile interval of the relative change over the resamples. */
  low: number;
  high: number;
  /** The interval excludes 0: the data shows a difference. */
  measurable: boolean;
  resamples: number;
}

export interface BootstrapOptions {
  /** Resamples drawn (default 2000). */
  resamples?: number;
  /** The generator's seed (default fixed: reports are byte-identical). */
  seed?: number;
  /** Coverage of the interval (default 0.95). */
  level?: number;
}

const DEFAULT_RESAMPLES = 2000;
const DEFAULT_SEED = 0x5eed1e;

/** A deterministic 32-bit generator (mulberry32), uniform on [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The block length for n values: ⌈√n⌉. */
export function blockLength(n: number): number {
  return Math.max(1, Math.ceil(Math.sqrt(n)));
}

/**
 * The start indices of one circular block-bootstrap resample of n values: ⌈n / l⌉ blocks of l
 * consecutive indices (wrapping past the end), cut to n.
 */
function resampleIndices(n: number, random: () => number, out: Int32Array): void {
  const l = blockLength(n);
  let k = 0;
  while (k < n) {
    const start = Math.floor(random() * n);
    for (let j = 0; j < l && k < n; j++) out[k++] = (start + j) % n;
  }
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

/** Σ numerator / Σ denominator, or null when the denominator sums to 0. */
export function ratioOfSums(sample: RatioSample): number | null {
  const d = sum(sample.denominator);
  return d === 0 ? null : sum(sample.numerator) / d;
}

/** The ratio of sums of each of `resamples` circular block-bootstrap resamples of a sample. */
export function bootstrapRatios(sample: RatioSample, random: () => number, resamples: number): number[] {
  const n = sample.numerator.length;
  const idx = new Int32Array(n);
  const out: number[] = [];
  for (let r = 0; r < resamples; r++) {
    resampleIndices(n, random, idx);
    let num = 0;
    let den = 0;
    for (let k = 0; k < n; k++) {
      num += sample.numerator[idx[k]!]!;
      den += sample.denominator[idx[k]!]!;
    }
    out.push(den === 0 ? NaN : num / den);
  }
  return out;
}

/** The q-quantile of sorted values, interpolated between neighbours (R's type 7). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * The relative change of a ratio of sums (other against baseline) with its bootstrap
 * interval. Null when a sample has fewer than 2 values, lengths disagree, a value is not finite,
 * or the baseline's ratio is 0 or undefined (no relative change exists).
 */
export function ratioChangeInterval(
  baseline: RatioSample,
  other: RatioSample,
  options: BootstrapOptions = {},
): ChangeInterval | null {
  if (!valid(baseline) || !valid(other)) return null;
  const base = ratioOfSums(baseline);
  const value = ratioOfSums(other);
  if (base === null || value === null || base === 0) return null;
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const level = options.level ?? 0.95;
  const random = seededRandom(options.seed ?? DEFAULT_SEED);
  const b = bootstrapRatios(baseline, random, resamples);
  const o = bootstrapRatios(other, random, resamples);
  const changes = b
    .map((x, i) => o[i]! / x - 1)
    .filter((c) => Number.isFinite(c))
    .sort((x, y) => x - y);
  // a resample whose baseline ratio is 0 or undefined has no relative change: with many, no interval
  if (changes.length < resamples * 0.99) return null;
  const change = value / base - 1;
  const n = Math.min(baseline.numerator.length, other.numerator.length);
  const widen = smallSampleFactor(Math.floor(n / blockLength(n)), level);
  const low = change - widen * (change - quantileSorted(changes, (1 - level) / 2));
  const high = change + widen * (quantileSorted(changes, 1 - (1 - level) / 2) - change);
  return { change, low, high, measurable: low > 0 || high < 0, resamples };
}

/**
 * How much wider than the normal theory's an interval over `blocks` independent blocks must be:
 * Student's t quantile with blocks − 1 degrees of freedom over the normal one (the batch-means
 * method's correction). The percentile interval alone assumes the bootstrap variance exact; with
 * a 30 s phase in 6 blocks it covers about 86 % where 95 % is meant, with it about 95 %.
 */
export function smallSampleFactor(blocks: number, level: number): number {
  const z = normalQuantile(1 - (1 - level) / 2);
  return studentQuantile(z, Math.max(1, blocks - 1)) / z;
}

/**
 * Student's t quantile with nu degrees of freedom from the normal quantile z at the same level:
 * the Cornish–Fisher expansion of Abramowitz & Stegun 26.7.5 (error below 0.001 at nu = 5, z = 1.96).
 */
export function studentQuantile(z: number, nu: number): number {
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  const z9 = z ** 9;
  return (
    z +
    (z3 + z) / (4 * nu) +
    (5 * z5 + 16 * z3 + 3 * z) / (96 * nu ** 2) +
    (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * nu ** 3) +
    (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / (92160 * nu ** 4)
  );
}

/** The standard normal quantile of p (Acklam's rational approximation, relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) =>
    (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
    ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

function valid(s: RatioSample): boolean {
  return (
    s.numerator.length >= 2 &&
    s.numerator.length === s.denominator.length &&
    s.numerator.every(Number.isFinite) &&
    s.denominator.every(Number.isFinite)
  );
}

/** The half-width of "no measurable difference (±x)": the interval's larger distance from 0. */
export function intervalHalfWidth(i: Pick<ChangeInterval, 'low' | 'high'>): number {
  return Math.max(Math.abs(i.low), Math.abs(i.high));
}

/**
 * Two deployments compared over their runs (`experiment --runs N`): the difference of the means
 * of a figure's per-run values (one value per run: CPU per request, PSS, …) with Welch's
 * t-interval (Welch 1947, "The generalization of 'Student's' problem when several different
 * population variances are involved"), its degrees of freedom by the Welch–Satterthwaite
 * equation. Each run is one independent measurement of the deployment, made after the other
 * deployment's run (interleaved), so the spread of the runs' values holds both the noise within
 * a run and what changes from run to run (the machine's other jobs, caches, where the kernel put
 * the pages): the within-run bootstrap sees only the former. Welch's interval does not assume
 * the two deployments equally variable, and with few runs its Student t quantile widens the
 * interval as much as the few values require (with 2 runs each, about 4 to 13 times the standard
 * error), where a bootstrap over 2 or 3 runs has too few distinct resamples to mean anything.
 * The relative change and its bounds are the difference's divided by the baseline's mean: the
 * claim (the difference's interval excludes 0) does not depend on that division.
 */
export interface RunsInterval {
  /** other mean / baseline mean − 1. */
  change: number;
  /** The difference's interval bounds divided by the baseline's mean. */
  low: number;
  high: number;
  /** The interval excludes 0: the runs show a difference. */
  measurable: boolean;
  mean: number;
  baseline_mean: number;
  /** other mean − baseline mean, with its interval. */
  difference: number;
  difference_low: number;
  difference_high: number;
  /** Welch–Satterthwaite degrees of freedom of the t quantile. */
  degrees_of_freedom: number;
}

/**
 * Welch's t-interval for the difference of the mean of `other`'s per-run values and the mean of
 * `baseline`'s. Null when a side has fewer than 2 values or a non-finite one, the baseline's
 * mean is not positive (no relative change), or every run of both gave the same value (no
 * spread to draw an interval from).
 */
export function welchInterval(
  baseline: readonly number[],
  other: readonly number[],
  level = 0.95,
): RunsInterval | null {
  if (baseline.length < 2 || other.length < 2) return null;
  if (![...baseline, ...other].every(Number.isFinite)) return null;
  const m0 = sum(baseline) / baseline.length;
  const m1 = sum(other) / other.length;
  if (!(m0 > 0)) return null;
  // each mean's variance: the sample variance (n − 1) over n
  const v0 = sampleVariance(baseline, m0) / baseline.length;
  const v1 = sampleVariance(other, m1) / other.length;
  const se = Math.sqrt(v0 + v1);
  if (se === 0) return null;
  const df = (v0 + v1) ** 2 / (v0 ** 2 / (baseline.length - 1) + v1 ** 2 / (other.length - 1));
  const half = tQuantile(1 - (1 - level) / 2, df) * se;
  const difference = m1 - m0;
  const low = difference - half;
  const high = difference + half;
  return {
    change: m1 / m0 - 1,
    low: low / m0,
    high: high / m0,
    measurable: low > 0 || high < 0,
    mean: m1,
    baseline_mean: m0,
    difference,
    difference_low: low,
    difference_high: high,
    degrees_of_freedom: df,
  };
}

function sampleVariance(values: readonly number[], mean: number): number {
  let s = 0;
  for (const v of values) s += (v - mean) ** 2;
  return s / (values.length - 1);
}

/**
 * Student's t quantile of p with nu (not necessarily whole) degrees of freedom: the t
 * distribution function inverted by bisection, to 1e-10. studentQuantile's expansion, made for
 * the block bootstrap's 5 and more blocks, falls short by 0.03 at nu = 2 and by 1.4 at nu = 1:
 * too narrow for an interval over 2 or 3 runs.
 */
export function tQuantile(p: number, nu: number): number {
  if (p === 0.5) return 0;
  if (p < 0.5) return -tQuantile(1 - p, nu);
  let hi = 1;
  while (tDistribution(hi, nu) < p) hi *= 2;
  let lo = 0;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (tDistribution(mid, nu) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** P(T ≤ t) for t ≥ 0 with nu degrees of freedom: 1 − I_{ν/(ν+t²)}(ν/2, 1/2) / 2 (A&S 26.7.1, 26.5.27). */
function tDistribution(t: number, nu: number): number {
  return 1 - regularizedBeta(nu / (nu + t * t), nu / 2, 0.5) / 2;
}

/**
 * The regularized incomplete beta function I_x(a, b): its continued fraction (A&S 26.5.8),
 * evaluated by the modified Lentz method, on the side of x where it converges fast
 * (Numerical Recipes, 3rd ed., 6.4).
 */
function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(x, a, b)) / a;
  return 1 - (front * betaFraction(1 - x, b, a)) / b;
}

function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    for (const coefficient of [
      (m * (b - m) * x) / ((a + m2 - 1) * (a + m2)),
      (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1)),
    ]) {
      d = 1 + coefficient * d;
      if (Math.abs(d) < tiny) d = tiny;
      c = 1 + coefficient / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-15) break;
  }
  return h;
}

/** ln Γ(x) for x > 0: Lanczos' approximation (g = 7, 9 coefficients), relative error below 1e-15. */
function logGamma(x: number): number {
  const g = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const y = x - 1;
  let s = g[0]!;
  for (let i = 1; i < 9; i++) s += g[i]! / (y + i);
  const t = y + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(s);
}
