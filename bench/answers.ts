/**
 * Compares two bodies of Prometheus' query API (/api/v1/query, /api/v1/query_range) as
 * Prometheus' own tests compare results (promql/promqltest): the same series, the same
 * timestamps, and values equal, both NaN, or within a relative 1e-6 (almost.Equal with
 * defaultEpsilon). A matrix must list its series in the same order (Prometheus sorts it); an
 * instant vector's order is not defined, so its samples are matched by label set.
 */

interface ApiBody {
  status: string;
  data?: { resultType: string; result: unknown };
  error?: string;
}

type Labels = Record<string, string>;
type Point = [number, string];

/** promqltest's almost.Equal(a, b, defaultEpsilon = 1e-6). */
export function almostEqual(a: number, b: number, epsilon = 1e-6): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const minNormal = 2.2250738585072014e-308;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < minNormal) return diff < epsilon * minNormal;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}

/** Go's strconv.ParseFloat for the strings the API writes ("NaN", "+Inf", "-Inf", decimals). */
function value(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

function key(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export interface Comparison {
  /** Empty when the answers agree; else the first difference found. */
  difference: string;
  series: number;
  points: number;
}

function comparePoints(where: string, ours: Point[], theirs: Point[]): string {
  if (ours.length !== theirs.length)
    return `${where}: ${ours.length} points here, ${theirs.length} in Prometheus`;
  for (let i = 0; i < ours.length; i++) {
    const [t, v] = ours[i]!;
    const [pt, pv] = theirs[i]!;
    if (t !== pt) return `${where}: point ${i} at ${t} here, at ${pt} in Prometheus`;
    if (!almostEqual(value(v), value(pv))) return `${where} at ${t}: ${v} here, ${pv} in Prometheus`;
  }
  return '';
}

/** Compares our body with Prometheus' body for the same query. */
export function compareAnswers(oursText: string, theirsText: string): Comparison {
  const ours = JSON.parse(oursText) as ApiBody;
  const theirs = JSON.parse(theirsText) as ApiBody;
  const none = (difference: string): Comparison => ({ difference, series: 0, points: 0 });
  if (ours.status !== 'success' || theirs.status !== 'success' || !ours.data || !theirs.data)
    return none(`status ${ours.status} here, ${theirs.status} in Prometheus (${theirs.error ?? ''})`);
  const type = theirs.data.resultType;
  if (ours.data.resultType !== type)
    return none(`result type ${ours.data.resultType} here, ${type} in Prometheus`);
  if (type === 'scalar') {
    const difference = comparePoints('scalar', [ours.data.result as Point], [theirs.data.result as Point]);
    return { difference, series: 1, points: 1 };
  }
  if (type === 'matrix') {
    const a = ours.data.result as { metric: Labels; values: Point[] }[];
    const b = theirs.data.result as { metric: Labels; values: Point[] }[];
    if (a.length !== b.length) return none(`${a.length} series here, ${b.length} in Prometheus`);
    let points = 0;
    for (let i = 0; i < a.length; i++) {
      if (key(a[i]!.metric) !== key(b[i]!.metric))
        return none(`series ${i}: ${key(a[i]!.metric)} here, ${key(b[i]!.metric)} in Prometheus`);
      const difference = comparePoints(key(a[i]!.metric), a[i]!.values, b[i]!.values);
      if (difference) return { difference, series: a.length, points };
      points += a[i]!.values.length;
    }
    return { difference: '', series: a.length, points };
  }
  if (type === 'vector') {
    const a = ours.data.result as { metric: Labels; value: Point }[];
    const b = theirs.data.result as { metric: Labels; value: Point }[];
    if (a.length !== b.length) return none(`${a.length} samples here, ${b.length} in Prometheus`);
    const theirsByKey = new Map(b.map((s) => [key(s.metric), s.value]));
    for (const s of a) {
      const other = theirsByKey.get(key(s.metric));
      if (!other) return none(`${key(s.metric)} here, not in Prometheus`);
      const difference = comparePoints(key(s.metric), [s.value], [other]);
      if (difference) return { difference, series: a.length, points: a.length };
    }
    return { difference: '', series: a.length, points: a.length };
  }
  return none(`result type ${type} is not compared`);
}
