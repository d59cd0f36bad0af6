/**
 * The one baseline/delta routine: the baseline (given, else the first imported) goes first,
 * the others follow in import order, and each of them gets, per numeric field (a dotted path),
 * its relative and absolute change against the baseline. The pool report and the report's
 * summary both use it, each over its paths of COMPARED_FIELDS.
 */

/**
 * The figures compared with the baseline, once: where each sits in the report's summary
 * (src/report/summary.ts, the JSON's `delta` keys, in this order) and in the pool report it is
 * built from (pool-types.ts), or null where the summary derives the figure itself.
 */
export const COMPARED_FIELDS: readonly { report: string; pool: string | null }[] = [
  { report: 'processes', pool: 'processes' },
  { report: 'cpu.seconds', pool: 'window.cpu_seconds' },
  { report: 'cpu.window_cores_mean', pool: 'window.cores_mean' },
  { report: 'cpu.window_cores_p95', pool: 'window.cores_p95' },
  { report: 'memory.peak.rss_bytes', pool: 'memory.steady_peak.rss_bytes' },
  { report: 'memory.peak.pss_bytes', pool: 'memory.steady_peak.pss_bytes' },
  { report: 'memory.peak.uss_bytes', pool: 'memory.steady_peak.uss_bytes' },
  { report: 'memory.rss_over_pss', pool: null }, // the RSS at the PSS peak ÷ that peak
  ...[
    'workers',
    'restarts',
    'workers_lost',
    'startup.seconds',
    'startup.cpu_seconds_per_worker',
    'startup.cpu_seconds',
    'cpu.cores_mean',
    'cpu.cores_p95',
    'memory.rss_bytes',
    'memory.pss_bytes',
    'memory.uss_bytes',
    'memory.per_worker.rss_bytes',
    'memory.per_worker.pss_bytes',
    'memory.per_worker.uss_bytes',
  ].map((path) => ({ report: path, pool: path })), // the same path in both
];

/** The report summary's fields that get a delta against the baseline, by dotted path. */
export const REPORT_DELTA_FIELDS = COMPARED_FIELDS.map((f) => f.report);

/** The pool report's fields that get a delta against the baseline, by dotted path. */
export const POOL_DELTA_FIELDS = COMPARED_FIELDS.flatMap((f) => (f.pool === null ? [] : [f.pool]));

/** Something compared with a baseline. */
export interface Compared {
  name: string;
  /** Relative change against the baseline per field; null for the baseline itself. */
  delta: Record<string, number | null> | null;
  /** Absolute change against the baseline, same keys. */
  delta_absolute: Record<string, number | null> | null;
}

/**
 * Orders by the baseline and fills every other item's deltas. `unknown` makes the error for a
 * baseline that names no item.
 */
export function applyBaseline<T extends Compared>(
  items: T[],
  importOrder: string[],
  baseline: string | undefined,
  fields: readonly string[],
  unknown: (baseline: string, names: string[]) => Error,
): { baseline: string; ordered: T[] } {
  const names = items.map((d) => d.name);
  if (baseline !== undefined && !names.includes(baseline)) throw unknown(baseline, [...names].sort());
  const chosen = baseline ?? importOrder.find((n) => names.includes(n)) ?? names[0]!;
  const base = items.find((d) => d.name === chosen)!;
  const rank = (d: T) => {
    const i = importOrder.indexOf(d.name);
    return i < 0 ? importOrder.length : i;
  };
  const ordered = [base, ...items.filter((d) => d !== base).sort((a, b) => rank(a) - rank(b))];
  for (const d of ordered) {
    if (d === base) continue;
    d.delta = {};
    d.delta_absolute = {};
    for (const field of fields) {
      const value = pick(d, field);
      const from = pick(base, field);
      d.delta_absolute[field] = value !== null && from !== null ? value - from : null;
      d.delta[field] = relativeChange(value, from);
    }
  }
  return { baseline: chosen, ordered };
}

/** (value − baseline) / baseline; 0 when both are 0; null when either is unknown or only the baseline is 0. */
export function relativeChange(value: number | null, base: number | null): number | null {
  if (value === null || base === null) return null;
  if (base === 0) return value === 0 ? 0 : null;
  return (value - base) / base;
}

/** The number at a dotted path of an object (null when absent). */
export function pick(d: object, path: string): number | null {
  let v: unknown = d;
  for (const key of path.split('.'))
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : null;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
