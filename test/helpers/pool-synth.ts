import { processKey, type ImportBatch, type ProcessRecord, type SeriesDef } from '../../src/store/batch.js';
import { loadImport } from '../../src/store/loader.js';
import type { TraceDatabase } from '../../src/store/database.js';

/**
 * Synthetic worker pools with known truth: each process's CPU rate is a step function of time
 * and its memory is constant, so every figure the models give has an exact expected value
 * computed here from the definitions (not from the models' SQL).
 */
export interface SynthProcess {
  pid: number;
  ppid: number;
  role: 'master' | 'worker' | 'helper';
  /** ms since the deployment's t0 */
  start: number;
  end: number;
  /** CPU rate in cores as [from, to, cores] pieces, ms since t0; 0 elsewhere. */
  cpu: [number, number, number][];
  rss: number;
  pss: number;
  uss: number;
  /** PSS from this time on (ms since t0): a teardown, as siblings exit and unmap shared pages. */
  pssFrom?: [number, number];
  /** [from, to, bytes]: RSS rising evenly from `bytes` at `from` to `rss` at `to` (an import building its data). */
  rssRamp?: [number, number, number];
}

/** A process's RSS at a time (ms since t0). */
export function rssAt(p: SynthProcess, t: number): number {
  if (p.rssRamp === undefined || t >= p.rssRamp[1]) return p.rss;
  const [from, to, bytes] = p.rssRamp;
  return Math.round(bytes + ((p.rss - bytes) * Math.max(0, t - from)) / (to - from));
}

/** A process's PSS at a time (ms since t0). */
export function pssAt(p: SynthProcess, t: number): number {
  return p.pssFrom !== undefined && t >= p.pssFrom[0] ? p.pssFrom[1] : p.pss;
}

export const T0 = 1_800_000_000_000;
export const MB = 1024 * 1024;
/** Share of CPU time spent in user mode (the rest is system). */
export const USER_SHARE = 0.8;

export const HOUR = 3_600_000;
/** A pool that runs 3 hours at a 1 s scrape (long enough for a coarser model grid): master and
 * two workers, load from 1 h to 2 h. */
export function longPool(): SynthProcess[] {
  const end = 3 * HOUR;
  const worker = (pid: number): SynthProcess => ({
    pid,
    ppid: 100,
    role: 'worker',
    start: 1000,
    end,
    cpu: [
      [1000, 2500, 1],
      [2500, HOUR, 0.01],
      [HOUR, 2 * HOUR, 0.6],
      [2 * HOUR, end, 0.01],
    ],
    rss: 120 * MB,
    pss: 70 * MB,
    uss: 50 * MB,
  });
  return [
    {
      pid: 100,
      ppid: 1,
      role: 'master',
      start: 0,
      end,
      cpu: [
        [0, 1000, 1],
        [1000, end, 0.002],
      ],
      rss: 100 * MB,
      pss: 60 * MB,
      uss: 40 * MB,
    },
    worker(101),
    worker(102),
  ];
}

/** CPU seconds a process used between two times (ms since t0): the integral of its rate. */
export function cpuBetween(p: SynthProcess, a: number, b: number): number {
  let s = 0;
  for (const [from, to, cores] of p.cpu) {
    const lo = Math.max(from, a, p.start);
    const hi = Math.min(to, b, p.end);
    if (hi > lo) s += ((hi - lo) / 1000) * cores;
  }
  return s;
}

/**
 * A prefork-like pool: master, three workers, one killed at 100 s and replaced at 101.5 s; load
 * 30–90 s; stopped at 120 s, the workers' PSS rising to 90 MB in their last 200 ms.
 */
export function preforkPool(): SynthProcess[] {
  const worker = (pid: number, start: number, end: number): SynthProcess => ({
    pid,
    ppid: 100,
    role: 'worker',
    start,
    end,
    cpu: [
      [start, start + 1500, 1], // importing the app
      [start + 1500, 30_000, 0.01],
      [30_000, 90_000, 0.5],
      [90_000, end, 0.01],
    ],
    rss: 120 * MB,
    pss: 70 * MB,
    uss: 50 * MB,
  });
  const replacement = worker(104, 101_500, 120_000);
  replacement.cpu = [
    [101_500, 103_000, 1],
    [103_000, 120_000, 0.01],
  ];
  const pool: SynthProcess[] = [
    {
      pid: 100,
      ppid: 1,
      role: 'master',
      start: 0,
      end: 120_000,
      cpu: [
        [0, 1000, 1],
        [1000, 120_000, 0.002],
      ],
      rss: 100 * MB,
      pss: 60 * MB,
      uss: 40 * MB,
    },
    worker(101, 1000, 120_000),
    worker(102, 1000, 100_000),
    worker(103, 1000, 120_000),
    replacement,
  ];
  return pool.map((p) =>
    p.role === 'worker' && p.end === 120_000 ? { ...p, pssFrom: [119_800, 90 * MB] } : p,
  );
}

/**
 * A pool scraped every 15 s: master, one worker from 1 s, and one born at 31 s that imports
 * the app at one core for 3 s and is first sampled at 45 s, 14 s after its start.
 */
export function lateFirstSamplePool(): SynthProcess[] {
  const base = { ppid: 100, rss: 120 * MB, pss: 70 * MB, uss: 50 * MB };
  return [
    { ...base, pid: 100, ppid: 1, role: 'master', start: 0, end: 120_000, cpu: [[0, 120_000, 0.01]] },
    { ...base, pid: 101, role: 'worker', start: 1000, end: 120_000, cpu: [[1000, 120_000, 0.1]] },
    {
      ...base,
      pid: 102,
      role: 'worker',
      start: 31_000,
      end: 120_000,
      cpu: [
        [31_000, 34_000, 1],
        [34_000, 120_000, 0.1],
      ],
    },
  ];
}

/**
 * A pool whose load (30–90 s) dips to idle for 11.4 s (58.6–70 s) while a worker is recycled:
 * it exits at 58.6 s, 0.6 s after its last sample (0.3 CPU-seconds that only its parent's
 * children counter holds), and its replacement starts at 59 s. Master and two workers.
 */
export function recyclingDipPool(): SynthProcess[] {
  const load = (start: number, end: number): [number, number, number][] => [
    [start, Math.max(start, 30_000), 0.01],
    [Math.max(start, 30_000), Math.min(end, 58_600), 0.5],
    [Math.max(start, 58_600), Math.min(end, 70_000), 0.02],
    [Math.max(start, 70_000), Math.min(end, 90_000), 0.5],
    [Math.max(start, 90_000), end, 0.01],
  ];
  const worker = (pid: number, start: number, end: number): SynthProcess => ({
    pid,
    ppid: 100,
    role: 'worker',
    start,
    end,
    cpu: load(start, end).filter(([a, b]) => b > a),
    rss: 120 * MB,
    pss: 70 * MB,
    uss: 50 * MB,
  });
  return [
    {
      pid: 100,
      ppid: 1,
      role: 'master',
      start: 0,
      end: 120_000,
      cpu: [[0, 120_000, 0.002]],
      rss: 100 * MB,
      pss: 60 * MB,
      uss: 40 * MB,
    },
    worker(101, 1000, 120_000),
    worker(102, 1000, 58_600),
    worker(103, 59_000, 120_000),
  ];
}

/** Sample times of a process: every interval of t0 from its start on, with a small deterministic jitter. */
function sampleTimes(p: SynthProcess, intervalMs: number): number[] {
  const times: number[] = [];
  for (let k = Math.ceil(p.start / intervalMs); k * intervalMs <= p.end; k++) {
    const jitter = ((k * 7919 + p.pid * 31) % 7) - 3; // -3..3 ms
    const t = Math.min(Math.max(k * intervalMs + jitter, p.start), p.end);
    if (t > p.start) times.push(t);
  }
  return times;
}

/** Imports a pool as /proc snapshots would give it (format procfs: per-process series with pid labels). */
export async function importProcfsPool(
  db: TraceDatabase,
  deployment: string,
  pool: SynthProcess[],
  intervalMs = 1000,
): Promise<void> {
  const series: SeriesDef[] = [];
  const ref: number[] = [];
  const ts: number[] = [];
  const value: number[] = [];
  const processes: ProcessRecord[] = [];
  for (const p of pool) {
    const key = processKey(p.pid, T0 + p.start);
    const def = (metric: string, labels: Record<string, string>, kind: 'counter' | 'gauge') => {
      const s: SeriesDef = {
        ref: series.length,
        metric,
        labels: { pid: String(p.pid), ...labels },
        kind,
        processKey: key,
      };
      series.push(s);
      return s.ref;
    };
    const user = def('process_cpu_seconds_total', { mode: 'user' }, 'counter');
    const system = def('process_cpu_seconds_total', { mode: 'system' }, 'counter');
    const rss = def('process_resident_memory_bytes', {}, 'gauge');
    const pss = def('process_pss_bytes', {}, 'gauge');
    const uss = def('process_uss_bytes', {}, 'gauge');
    const childUser = def('process_children_cpu_seconds_total', { mode: 'user' }, 'counter');
    const childSystem = def('process_children_cpu_seconds_total', { mode: 'system' }, 'counter');
    // the kernel adds a child's whole CPU to its parent's cutime/cstime when it is reaped (at its end)
    const children = pool.filter((c) => c.ppid === p.pid);
    const times = sampleTimes(p, intervalMs);
    for (const t of times) {
      const cpu = cpuBetween(p, p.start, t);
      const reaped = children
        .filter((c) => c.end <= t)
        .reduce((s, c) => s + cpuBetween(c, c.start, c.end), 0);
      for (const [r, v] of [
        [user, cpu * USER_SHARE],
        [system, cpu * (1 - USER_SHARE)],
        [childUser, reaped * USER_SHARE],
        [childSystem, reaped * (1 - USER_SHARE)],
        [rss, rssAt(p, t)],
        [pss, pssAt(p, t)],
        [uss, p.uss],
      ] as const) {
        ref.push(r);
        ts.push(T0 + t);
        value.push(v);
      }
    }
    processes.push({
      processKey: key,
      pid: p.pid,
      ppid: p.ppid,
      comm: 'python3',
      cmdline: p.role === 'master' ? 'python3 -m server' : 'python3 worker',
      startTs: T0 + p.start,
      firstSeen: T0 + times[0]!,
      lastSeen: T0 + times.at(-1)!,
    });
  }
  const batch: ImportBatch = {
    series,
    samples: {
      length: ts.length,
      ref: Int32Array.from(ref),
      ts: Float64Array.from(ts),
      value: Float64Array.from(value),
    },
    processes,
  };
  await loadImport(
    db,
    { deployment, path: `synthetic/${deployment}`, format: 'procfs', sha256: `synth-${deployment}` },
    once(batch),
  );
  // Roles are the synthetic truth (how roles are derived is the process importers' concern).
  for (const p of pool)
    await db.run(`UPDATE processes SET role = $r, pool = 'synthetic' WHERE deployment = $d AND pid = $p`, {
      r: p.role,
      d: deployment,
      p: p.pid,
    });
}

/** Imports a whole-tree psrecord-like recording: CPU cores and RSS of the tree every 500 ms. */
export async function importTreeRecording(
  db: TraceDatabase,
  deployment: string,
  cores: (t: number) => number,
  rss: number,
  durationMs: number,
): Promise<void> {
  const series: SeriesDef[] = [
    { ref: 0, metric: 'process_tree_cpu_cores', labels: {}, kind: 'gauge' },
    { ref: 1, metric: 'process_tree_resident_memory_bytes', labels: {}, kind: 'gauge' },
  ];
  const ref: number[] = [];
  const ts: number[] = [];
  const value: number[] = [];
  for (let t = 0; t <= durationMs; t += 500) {
    ref.push(0, 1);
    ts.push(T0 + t, T0 + t);
    value.push(cores(t), rss);
  }
  const batch: ImportBatch = {
    series,
    samples: {
      length: ts.length,
      ref: Int32Array.from(ref),
      ts: Float64Array.from(ts),
      value: Float64Array.from(value),
    },
  };
  await loadImport(
    db,
    { deployment, path: `synthetic/${deployment}.csv`, format: 'psrecord', sha256: `synth-${deployment}` },
    once(batch),
  );
}

async function* once(batch: ImportBatch): AsyncGenerator<ImportBatch> {
  yield batch;
}
