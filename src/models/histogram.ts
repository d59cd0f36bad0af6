/**
 * A quantile of a histogram's cumulative bucket counts, as Prometheus' histogram_quantile()
 * computes it (promql/quantile.go, bucketQuantile): buckets sorted by upper bound, the +Inf
 * bucket required, counts made monotonic, the rank q × total located in the first bucket whose
 * count reaches it and interpolated linearly inside it (from 0 for the first bucket when its
 * bound is positive); a rank in the +Inf bucket gives the largest finite bound.
 */
export interface Bucket {
  upperBound: number;
  count: number;
}

/** null where Prometheus gives NaN: no +Inf bucket, fewer than 2 buckets, or no observation. */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number | null {
  if (Number.isNaN(q)) return null;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = coalesce([...buckets].sort((a, b) => a.upperBound - b.upperBound));
  if (sorted.length < 2 || sorted.at(-1)!.upperBound !== Infinity) return null;
  // ensureMonotonic: a count below its predecessor's (a scrape between two bucket updates) is raised to it
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i]!.count < sorted[i - 1]!.count) sorted[i]!.count = sorted[i - 1]!.count;
  const observations = sorted.at(-1)!.count;
  if (!(observations > 0)) return null;
  let rank = q * observations;
  let b = sorted.findIndex((x, i) => i < sorted.length - 1 && x.count >= rank);
  if (b === -1) b = sorted.length - 1;
  if (b === sorted.length - 1) return sorted[sorted.length - 2]!.upperBound;
  if (b === 0 && sorted[0]!.upperBound <= 0) return sorted[0]!.upperBound;
  let start = 0;
  let count = sorted[b]!.count;
  if (b > 0) {
    start = sorted[b - 1]!.upperBound;
    count -= sorted[b - 1]!.count;
    rank -= sorted[b - 1]!.count;
  }
  return start + (sorted[b]!.upperBound - start) * (rank / count);
}

/** Buckets of one upper bound summed (Prometheus' coalesceBuckets). */
function coalesce(sorted: Bucket[]): Bucket[] {
  const out: Bucket[] = [];
  for (const b of sorted) {
    const last = out.at(-1);
    if (last && last.upperBound === b.upperBound) last.count += b.count;
    else out.push({ ...b });
  }
  return out;
}
