import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importPath } from '../../src/importers/index.js';
import { TraceDatabase } from '../../src/store/database.js';
import { CAPTURE } from './cli.js';
import { promNumber, readPromBody, type PromSeries } from './prom.js';

/** The capture's own records (timeline.json, summary.json), read as plain JSON. */
interface TimelineMode {
  events: { event: string; t: number; t_ms: number | null }[];
  startup_complete_lines: [number, string][];
}
interface SnapshotProc {
  pid: number;
  role: string;
  cpu_ticks: number;
  Rss_kB: number | null;
  Pss_kB: number | null;
  Private_Clean_kB: number | null;
  Private_Dirty_kB: number | null;
}
export interface Snapshot {
  snapshot_unix_ms: number;
  procs: SnapshotProc[];
}
interface SummaryMode {
  killed_worker_pid: number;
  idle_before_load: Snapshot;
  before_kill: Snapshot;
  before_stop: Snapshot;
}

const timeline = JSON.parse(readFileSync(join(CAPTURE, 'timeline.json'), 'utf8')) as {
  modes: Record<string, TimelineMode>;
};
const summary = JSON.parse(readFileSync(join(CAPTURE, 'summary.json'), 'utf8')) as {
  modes: Record<string, SummaryMode>;
};

/** Unix ms of a timeline event of a mode (the first with that name). */
export function eventMs(mode: string, event: string): number {
  const e = timeline.modes[mode]!.events.find((x) => x.event === event)!;
  return e.t_ms ?? Math.round(e.t * 1000);
}

export function startupCompleteMs(mode: string): number[] {
  return timeline.modes[mode]!.startup_complete_lines.map((l) => l[0]);
}

export function killedPid(mode: string): number {
  return summary.modes[mode]!.killed_worker_pid;
}

export function snapshot(mode: string, which: 'idle_before_load' | 'before_kill' | 'before_stop'): Snapshot {
  return summary.modes[mode]![which];
}

/** Sums over a snapshot's readable processes, in bytes (kB × 1024) and CPU seconds (ticks / 100). */
export function snapshotSums(s: Snapshot, role?: string) {
  const procs = s.procs.filter((p) => (role === undefined || p.role === role) && p.Rss_kB !== null);
  const kB = (f: (p: SnapshotProc) => number) => procs.reduce((a, p) => a + f(p), 0) * 1024;
  return {
    rss: kB((p) => p.Rss_kB!),
    pss: kB((p) => p.Pss_kB!),
    uss: kB((p) => p.Private_Clean_kB! + p.Private_Dirty_kB!),
    cpuSeconds:
      s.procs.filter((p) => role === undefined || p.role === role).reduce((a, p) => a + p.cpu_ticks, 0) / 100,
    count: procs.length,
  };
}

function series(path: string): PromSeries[] {
  return readPromBody(path).result as PromSeries[];
}

/**
 * CPU seconds all series of a raw counter export used in [a, b] (ms): per series, each
 * increase between consecutive samples (the new value after a reset) spread evenly over its
 * interval and cut at a and b; then summed over series.
 */
export function rawCpuSecondsBetween(mode: string, a: number, b: number): number {
  let total = 0;
  for (const s of series(join(CAPTURE, 'prometheus', mode, 'raw_samples_cpu_seconds_total.json'))) {
    const points = s.values!.map(([t, v]) => [Math.round(t * 1000), promNumber(v)] as const);
    for (let i = 1; i < points.length; i++) {
      const [t0, v0] = points[i - 1]!;
      const [t1, v1] = points[i]!;
      const increase = v1 >= v0 ? v1 - v0 : v1;
      const overlap = Math.max(0, Math.min(t1, b) - Math.max(t0, a));
      total += (increase * overlap) / (t1 - t0);
    }
  }
  return total;
}

/** Values of a single-series reference file (Prometheus' own evaluation) as [ms, value]. */
export function reference(mode: string, file: string): [number, number][] {
  const out = new Map<number, number>();
  for (const s of series(join(CAPTURE, 'reference', mode, file)))
    for (const [t, v] of s.values!)
      out.set(Math.round(t * 1000), (out.get(Math.round(t * 1000)) ?? 0) + promNumber(v));
  return [...out.entries()].sort((x, y) => x[0] - y[0]);
}

export function median(values: number[]): number {
  const v = [...values].sort((x, y) => x - y);
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

/**
 * A real capture (test/fixtures/real-capture-N) in a new in-memory database: each mode's
 * Prometheus export and /proc snapshots imported as one deployment named after the mode.
 */
export async function openCapture(dir: string, modes: readonly string[]): Promise<TraceDatabase> {
  const db = await TraceDatabase.open(':memory:');
  for (const mode of modes) {
    await importPath(db, join(dir, 'prometheus', mode, 'raw_samples.json.gz'), { deployment: mode });
    await importPath(db, join(dir, 'procsnap', `procsnap-${mode}.tar.gz`), { deployment: mode });
  }
  return db;
}
