/**
 * The one baseline/delta routine: the baseline (given, else the first imported) goes first,
 * the others follow in import order, and each of them gets, per numeric field (a dotted path),
 * its relative and absolute change against the baseline. The pool report and the report's
 * summary both use it, over their own field lists.
 */

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
