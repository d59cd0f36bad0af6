import { expect } from 'vitest';
import { ratioChangeInterval } from '../../src/models/interval.js';
import type { DeploymentSummary } from '../../src/report/summary.js';
import { ProcfsReference, type Identity, type ProcRecord } from './procfs-reference.js';

/**
 * The memory model of a window computed straight from the raw /proc snapshots (through
 * procfs-reference.ts, which parses them itself), for checking the report's: over the window's
 * snapshots in which no worker is starting or leaving, private = median of Σ worker USS ÷
 * workers alive, shared = median of Σ PSS − Σ worker USS (smaps_rollup, kB × 1024).
 * Starting: a worker that started after `poolStartMs` until one second after it settled by
 * the reference's own rule (ProcfsReference.startup; its whole life if it never did).
 * Leaving: within 2.5 s of the last live snapshot of a worker that exited early.
 * Moving: a worker's USS differs from its previous snapshot's by more than 1 % of its RSS, or
 * it has no previous snapshot.
 */
export interface MemoryModelReference {
  /** (null from memoryModelReference: no steady snapshot in the window) */
  snapshots: number;
  workersAlive: number;
  privateBytes: number;
  sharedBytes: number;
  pssBytes: number;
  rssBytes: number;
  pssPerLiveWorker: number;
  workerPssBytes: number;
  workerSharedFraction: number;
  /** smallest and largest Σ worker USS ÷ workers alive, and Σ PSS, over the snapshots */
  privateRange: [number, number];
  pssRange: [number, number];
  /** Σ worker USS ÷ workers alive, and Σ PSS, at each of those snapshots in time order */
  privateSeries: number[];
  pssSeries: number[];
}

const alive = (p: ProcRecord) => p.state !== 'Z' && p.state !== 'X' && p.state !== 'x';

export function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A count's median: of an even number, the lower middle value. */
function lowerMedian(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[(s.length - 1) >> 1]!;
}

export function memoryModelReference(
  r: ProcfsReference,
  a: number,
  b: number,
  opts: { poolStartMs: number; exitedEarly: (w: Identity) => boolean },
): MemoryModelReference | null {
  const workers = new Map(r.workers().map((w) => [w.key, w]));
  const settled = new Map(r.startup().map((s) => [s.key, s.settledMs]));
  const exits = r
    .workers()
    .filter(opts.exitedEarly)
    .map((w) => w.lastAliveMs!);
  const rows: {
    n: number;
    pss: number;
    rss: number;
    workerPss: number;
    workerUss: number;
    workerRss: number;
  }[] = [];
  const lastUss = new Map<string, number>();
  for (const s of r.snaps) {
    const live = [...s.procs.values()].filter(alive);
    const ws = live.filter((p) => workers.has(`${p.pid}:${p.starttime}`));
    const moving = ws.some((p) => {
      const key = `${p.pid}:${p.starttime}`;
      const prev = lastUss.get(key);
      return prev === undefined || Math.abs((p.ussKb ?? 0) - prev) > 0.01 * (p.rssKb ?? 0);
    });
    for (const p of ws) if (p.ussKb !== undefined) lastUss.set(`${p.pid}:${p.starttime}`, p.ussKb);
    if (s.ms < a || s.ms > b || ws.length === 0 || moving) continue;
    const starting = ws.some((p) => {
      const w = workers.get(`${p.pid}:${p.starttime}`)!;
      if (w.startMs <= opts.poolStartMs) return false;
      const at = settled.get(w.key);
      return at === null || at === undefined || s.ms < at + 1000;
    });
    const leaving = exits.some((t) => Math.abs(t - s.ms) <= 2500);
    if (starting || leaving) continue;
    const kb = (ps: ProcRecord[], f: (p: ProcRecord) => number | undefined) =>
      ps.reduce((t, p) => t + (f(p) ?? 0), 0) * 1024;
    rows.push({
      n: ws.length,
      pss: kb(live, (p) => p.pssKb),
      rss: kb(live, (p) => p.rssKb),
      workerPss: kb(ws, (p) => p.pssKb),
      workerUss: kb(ws, (p) => p.ussKb),
      workerRss: kb(ws, (p) => p.rssKb),
    });
  }
  if (rows.length === 0) return null;
  const priv = rows.map((x) => x.workerUss / x.n);
  return {
    snapshots: rows.length,
    workersAlive: lowerMedian(rows.map((x) => x.n)),
    privateBytes: median(priv),
    sharedBytes: median(rows.map((x) => x.pss - x.workerUss)),
    pssBytes: median(rows.map((x) => x.pss)),
    rssBytes: median(rows.map((x) => x.rss)),
    pssPerLiveWorker: median(rows.map((x) => x.pss / x.n)),
    workerPssBytes: median(rows.map((x) => x.workerPss / x.n)),
    workerSharedFraction: median(rows.map((x) => 1 - x.workerUss / x.workerRss)),
    privateRange: [Math.min(...priv), Math.max(...priv)],
    pssRange: [Math.min(...rows.map((x) => x.pss)), Math.max(...rows.map((x) => x.pss))],
    privateSeries: priv,
    pssSeries: rows.map((x) => x.pss),
  };
}

/**
 * The reference model of a deployment's phase as the report fitted it: its load phase's model
 * (`memory.load_model`), else the idle one's before the load (`memory.model`); the pool starts
 * at the steady state's start, and a worker exited early when its last live snapshot is over a
 * snapshot interval and a half before the master's SIGTERM (`termMs`, from the capture's timeline).
 */
export function deploymentModelReference(
  r: ProcfsReference,
  d: DeploymentSummary,
  which: 'load' | 'before',
  termMs: number,
): MemoryModelReference {
  const m = which === 'load' ? d.memory.load_model! : d.memory.model!;
  return memoryModelReference(r, m.start * 1000, m.end * 1000, {
    poolStartMs: d.steady.start * 1000,
    exitedEarly: (w) => (w.lastAliveMs ?? -Infinity) < termMs - 1500,
  })!;
}

/**
 * The change of a median figure from `base` to `other` with the 95 % interval of a block
 * bootstrap over the two windows' snapshots (src/models/interval.ts's, fed with the snapshots
 * parsed here), kept around the medians' change as the report does.
 */
export function referenceChange(
  base: number[],
  other: number[],
): { change: number; low: number; high: number; measurable: boolean } {
  const mean = (values: number[]) => ({ numerator: values, denominator: values.map(() => 1) });
  const i = ratioChangeInterval(mean(base), mean(other))!;
  const change = median(other) / median(base) - 1;
  const low = change - (i.change - i.low);
  const high = change + (i.high - i.change);
  return { change, low, high, measurable: low > 0 || high < 0 };
}

/**
 * A finding's interval against the reference's, drawn from the raw snapshots: the same
 * verdict (a difference or none), each bound within a quarter of the reference interval's width
 * or 0.5 percentage points (the report's moments are its grid's buckets, the reference's the
 * snapshots, with the transients each leaves out).
 */
export function expectInterval(
  low: unknown,
  high: unknown,
  measurable: boolean,
  ref: { low: number; high: number; measurable: boolean },
  what: string,
): void {
  expect(measurable, what).toBe(ref.measurable);
  const tolerance = Math.max(0.005, 0.25 * (ref.high - ref.low));
  expect(Math.abs((low as number) - ref.low), `${what} low`).toBeLessThanOrEqual(tolerance);
  expect(Math.abs((high as number) - ref.high), `${what} high`).toBeLessThanOrEqual(tolerance);
}

/** The numbers of a sentence, in order: "420.6 MiB", "+59.2 %", "4 workers", "2.13×" each give one. */
export function numbersIn(text: string): number[] {
  return [...text.matchAll(/[-+]?\d+(?:\.\d+)?/g)].map((m) => Number(m[0]));
}
