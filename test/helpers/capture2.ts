import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FIXTURES } from './cli.js';
import { promNumber, readPromBody, type PromSeries } from './prom.js';
import { ProcfsReference, type WindowFigures } from './procfs-reference.js';

/**
 * test/fixtures/real-capture-2 (gunicorn recycling its workers with --max-requests, gunicorn
 * --preload, uvicorn --workers 6 with a SIGKILLed worker) read from its own records:
 * timeline.json (the orchestrator's clock and psutil polls) and the servers' logs, plus the
 * independent /proc reference (procfs-reference.ts) of each deployment's snapshots.
 */
export const CAPTURE2 = join(FIXTURES, 'real-capture-2');
export const MODES2 = ['gunicorn-recycle', 'gunicorn-preload', 'uvicorn-spawn'] as const;
export type Mode2 = (typeof MODES2)[number];

interface WatchedChild {
  pid: number;
  create_time: number;
  first_seen: number;
  worker: boolean | null;
  zombie_seen: number | null;
  gone_seen: number | null;
}
interface TimelineMode {
  master_pid: number;
  workers: number;
  workers_before_load: number[];
  events: { event: string; t: number; t_ms?: number; [k: string]: unknown }[];
  kill: { killed_pid: number; t_kill: number; replacement: number[] | null };
  worker_watch: WatchedChild[];
  tree_before_load: { t: number; cpu_s_total: number };
  tree_before_stop: { t: number; cpu_s_total: number };
}

const timeline = JSON.parse(readFileSync(join(CAPTURE2, 'timeline.json'), 'utf8')) as {
  modes: Record<Mode2, TimelineMode>;
};

export function mode2(mode: Mode2): TimelineMode {
  return timeline.modes[mode];
}

/** Unix ms of the first timeline event of that name. */
export function event2Ms(mode: Mode2, name: string): number {
  const e = timeline.modes[mode].events.find((x) => x.event === name);
  if (!e) throw new Error(`real-capture-2: no event ${name} in ${mode}`);
  return e.t * 1000;
}

/** Workers (not the resource tracker) that the 50 ms psutil poll saw. */
export function watchedWorkers(mode: Mode2): WatchedChild[] {
  return timeline.modes[mode].worker_watch.filter((w) => w.worker !== false);
}

/**
 * Workers recycled by the server (gunicorn --max-requests): gone, per the psutil poll, before
 * the master was sent SIGTERM, other than the SIGKILLed one.
 */
export function recycledPids(mode: Mode2): number[] {
  const term = event2Ms(mode, 'sigterm_master') / 1000;
  const killed = timeline.modes[mode].kill.killed_pid;
  return watchedWorkers(mode)
    .filter((w) => w.gone_seen !== null && w.gone_seen < term && w.pid !== killed)
    .map((w) => w.pid);
}

/**
 * When each worker's app said it was ready, from the server log (unix ms at which the
 * orchestrator read the line): gunicorn's `[<pid>] [INFO] Application startup complete.`;
 * uvicorn's workers print `Started server process [<pid>]` just before their own `Application
 * startup complete.`, whose lines carry no pid. real-capture-1's logs (`capture`) read alike.
 */
export function readyFromLog(mode: string, capture: string = CAPTURE2): Map<number, number> {
  const dir = join(capture, 'modes', mode);
  let text: string;
  try {
    text = readFileSync(join(dir, 'server.log.ts'), 'utf8');
  } catch {
    text = gunzipSync(readFileSync(join(dir, 'server.log.ts.gz'))).toString('utf8');
  }
  const out = new Map<number, number>();
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    const ms = Number(line.slice(0, tab));
    const m =
      /^\[[^\]]*\] \[(\d+)\] \[INFO\] Application startup complete\.$/.exec(line.slice(tab + 1)) ??
      /^INFO: +Started server process \[(\d+)\]$/.exec(line.slice(tab + 1));
    if (m && !out.has(Number(m[1]))) out.set(Number(m[1]), ms);
  }
  return out;
}

const refs = new Map<Mode2, ProcfsReference>();
/** The /proc reference of a deployment's snapshot archive (read once per test file). */
export function reference2(mode: Mode2): ProcfsReference {
  if (!refs.has(mode))
    refs.set(mode, new ProcfsReference(join(CAPTURE2, 'procsnap', `procsnap-${mode}.tar.gz`)));
  return refs.get(mode)!;
}

/**
 * The capture's phases from its timeline: idle from the launch to wrk's start, load while wrk
 * ran, idle from wrk's end to the SIGTERM (the kill falls in it); `window` is launch → the
 * master's exit.
 */
export function timelinePhases2(
  mode: Mode2,
): Record<'window' | 'idle_before' | 'load' | 'idle_after', WindowFigures> {
  const r = reference2(mode);
  const launch = event2Ms(mode, 'server_launch');
  const load = event2Ms(mode, 'load_start');
  const loadEnd = event2Ms(mode, 'load_end');
  const term = event2Ms(mode, 'sigterm_master');
  return {
    window: r.window(launch, event2Ms(mode, 'master_exited')),
    idle_before: r.window(launch, load),
    load: r.window(load, loadEnd),
    idle_after: r.window(loadEnd, term),
  };
}

const exporter = new Map<Mode2, PromSeries[]>();
/**
 * process-exporter's reading of the same processes at time t (ms): Σ over its groups of each
 * group's latest `namedprocess_namegroup_memory_bytes{memtype}` stored sample at most 2 s
 * before t (a gone group reports 0).
 */
export function exporterMemoryAt(
  mode: Mode2,
  memtype: 'proportionalResident' | 'resident',
  t: number,
): number {
  if (!exporter.has(mode))
    exporter.set(
      mode,
      readPromBody(join(CAPTURE2, 'prometheus', mode, 'raw_samples.json.gz')).result as PromSeries[],
    );
  let total = 0;
  for (const s of exporter.get(mode)!) {
    if (s.metric.__name__ !== 'namedprocess_namegroup_memory_bytes' || s.metric.memtype !== memtype) continue;
    const before = s.values!.filter(([ts]) => ts * 1000 <= t && ts * 1000 > t - 2000);
    if (before.length) total += promNumber(before[before.length - 1]![1]);
  }
  return total;
}
