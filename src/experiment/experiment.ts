import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as msg from '../base/messages.js';
import { everyInterval } from '../collect/recorder.js';
import { hostFacts, readSnapshot, writeSnapshotFolder } from '../collect/snapshot.js';
import { hostPort, portInUse, waitReady } from './http.js';
import { runBuiltinLoad, runCommandLoad, type LoadRecord, type LoadSpec } from './load.js';
import {
  cmdlineOf,
  runningChildren,
  signal,
  sleep,
  startGroup,
  stopGroup,
  type GroupProcess,
} from './process-group.js';
import {
  TIMELINE_FORMAT,
  writeTimeline,
  type EventName,
  type Timeline,
  type TimelineEvent,
  type TimelineRun,
} from './timeline.js';

/**
 * `trace-analyze experiment`: the same app under each deployment (process model), one after
 * another, measured the same way. For each run, in order:
 *   1. check the ready URL's port is free (a leftover server would be measured instead)
 *   2. start the command in its own process group; /proc snapshots of its tree from then on
 *   3. poll --ready until it answers 2xx (time to ready)
 *   4. idle, load (optionally SIGKILL one worker during it), idle
 *   5. SIGTERM the group, SIGKILL after the grace period, wait until no member runs
 * Runs interleave the deployments (A B A B …) so drift of a shared machine hits all alike.
 * Ctrl-C (the abort signal) or a failing run stops the experiment after step 5 of the run in
 * progress; the timeline records what happened and the completed runs stay reportable.
 */
export interface ExperimentOptions {
  out: string;
  deployments: { name: string; command: string }[];
  readyUrl: URL;
  readyTimeoutMs: number;
  load: LoadSpec;
  idleMs: number;
  afterMs: number;
  runs: number;
  killWorkerAtMs?: number;
  intervalMs: number;
  graceMs: number;
  cwd?: string;
  env: Record<string, string>;
  version: string;
}

/** How often --ready is polled. */
const READY_POLL_MS = 50;

/** Helpers of multiprocessing that are children of a master but not workers (as src/store/processes/020-roles.sql). */
const HELPER_CMDLINE = /multiprocessing\.(resource_tracker|forkserver|semaphore_tracker)/;

export async function runExperiment(options: ExperimentOptions, abort: AbortSignal): Promise<Timeline> {
  mkdirSync(options.out, { recursive: true });
  const load = options.load;
  const timeline: Timeline = {
    format: TIMELINE_FORMAT,
    version: 1,
    tool_version: options.version,
    started_ms: Date.now(),
    finished_ms: null,
    outcome: 'running',
    reason: null,
    settings: {
      ready_url: options.readyUrl.href,
      load:
        load.kind === 'builtin'
          ? {
              kind: 'builtin',
              url: load.url.href,
              rate: load.rate,
              duration_ms: load.durationMs,
              connections: load.connections,
            }
          : { kind: 'command', command: load.command },
      idle_ms: options.idleMs,
      after_ms: options.afterMs,
      runs: options.runs,
      kill_worker_at_ms: options.killWorkerAtMs ?? null,
      interval_ms: options.intervalMs,
      grace_ms: options.graceMs,
      cwd: options.cwd ?? null,
      env: Object.keys(options.env),
    },
    runs: [],
  };
  const save = () => writeTimeline(options.out, timeline);
  save();
  outer: for (let k = 1; k <= options.runs; k++) {
    for (const d of options.deployments) {
      const name = options.runs > 1 ? `${d.name}-run${k}` : d.name;
      const run: TimelineRun = {
        name,
        deployment: d.name,
        run: k,
        command: d.command,
        folder: name,
        outcome: 'running',
        events: [],
        load: null,
      };
      timeline.runs.push(run);
      save();
      const problem = await runOne(options, run, save, abort);
      if (problem !== undefined) {
        timeline.outcome = problem.outcome;
        timeline.reason = problem.reason;
        break outer;
      }
    }
  }
  if (timeline.outcome === 'running') timeline.outcome = 'completed';
  timeline.finished_ms = Date.now();
  save();
  return timeline;
}

type Problem = { outcome: 'failed' | 'interrupted'; reason: string };

/** One run of one deployment; returns what stopped it early, if anything. */
async function runOne(
  options: ExperimentOptions,
  run: TimelineRun,
  save: () => void,
  abort: AbortSignal,
): Promise<Problem | undefined> {
  const note = (event: EventName, extra: Omit<TimelineEvent, 'event' | 't_ms'> = {}, t = Date.now()) => {
    run.events.push({ event, t_ms: t, ...extra });
    save();
  };
  const finish = (problem: Problem | undefined) => {
    run.outcome = problem?.outcome ?? 'completed';
    if (problem) note(problem.outcome, { reason: problem.reason });
    save();
    return problem;
  };
  const interrupted = (): Problem => ({ outcome: 'interrupted', reason: msg.experimentInterrupted() });

  const { host, port } = hostPort(options.readyUrl);
  if (await portInUse(host, port))
    return finish({ outcome: 'failed', reason: msg.experimentPortInUse(run.name, host, port) });
  if (abort.aborted) return finish(interrupted());

  const runDir = join(options.out, run.folder);
  const snapshots = join(runDir, 'snapshots');
  mkdirSync(snapshots, { recursive: true });
  let group: GroupProcess;
  try {
    group = await startGroup(run.command, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdout: join(runDir, 'server.stdout'),
      stderr: join(runDir, 'server.stderr'),
    });
  } catch (e) {
    return finish({ outcome: 'failed', reason: msg.experimentCannotStart(run.name, (e as Error).message) });
  }
  note('start', { pid: group.pid });
  const sampler = recordSnapshots(snapshots, group.pid, options.intervalMs);

  let problem: Problem | undefined;
  try {
    problem = await serve(options, run, group, note, abort);
  } finally {
    const stopped = await stopGroup(group, options.graceMs);
    note('stop', {}, stopped.sigterm);
    if (stopped.sigkill !== undefined) note('sigkill', {}, stopped.sigkill);
    if (stopped.gone !== undefined) note('gone', {}, stopped.gone);
    await sampler.stop();
    if (stopped.stuck.length > 0 && problem?.outcome !== 'failed')
      problem = { outcome: 'failed', reason: msg.experimentStuck(run.name, stopped.stuck) };
  }
  return finish(problem);
}

/** Steps 3 and 4 of a run: ready, idle, load, idle. */
async function serve(
  options: ExperimentOptions,
  run: TimelineRun,
  group: GroupProcess,
  note: (event: EventName, extra?: Omit<TimelineEvent, 'event' | 't_ms'>, t?: number) => void,
  abort: AbortSignal,
): Promise<Problem | undefined> {
  const started = run.events[0]!.t_ms;
  const died = (when: string): Problem => ({
    outcome: 'failed',
    reason: msg.experimentServerExited(run.name, when, group.child.exitCode ?? group.child.signalCode),
  });
  const interrupted = (): Problem => ({ outcome: 'interrupted', reason: msg.experimentInterrupted() });

  const ready = await waitReady(
    options.readyUrl,
    READY_POLL_MS,
    () => group.hasExited() || Date.now() - started > options.readyTimeoutMs,
    abort,
  );
  if (abort.aborted) return interrupted();
  if (ready === undefined) {
    if (group.hasExited()) return died('before it answered --ready');
    return {
      outcome: 'failed',
      reason: msg.experimentNotReady(run.name, options.readyUrl.href, options.readyTimeoutMs / 1000),
    };
  }
  note('ready', { seconds: (ready - started) / 1000 }, ready);

  await sleep(options.idleMs, abort);
  if (abort.aborted) return interrupted();
  if (group.hasExited()) return died('while idle');

  note('load_start');
  const killTimer =
    options.killWorkerAtMs === undefined
      ? undefined
      : setTimeout(() => killOneWorker(group.pid, note), options.killWorkerAtMs);
  let record: LoadRecord;
  try {
    record =
      options.load.kind === 'builtin'
        ? await runBuiltinLoad(options.load, join(options.out, run.folder), abort)
        : await runCommandLoad(
            options.load.command,
            join(options.out, run.folder),
            { cwd: options.cwd, env: { ...process.env, ...options.env }, graceMs: options.graceMs },
            abort,
          );
  } catch (e) {
    return { outcome: 'failed', reason: msg.experimentLoadFailed(run.name, (e as Error).message) };
  } finally {
    clearTimeout(killTimer);
  }
  run.load = record;
  note('load_end');
  if (abort.aborted) return interrupted();
  if (group.hasExited()) return died('during the load');

  await sleep(options.afterMs, abort);
  if (abort.aborted) return interrupted();
  if (group.hasExited()) return died('while idle after the load');
  return undefined;
}

/**
 * SIGKILLs one worker of the pool: the pool's master is the server process — or, when that
 * has a single child which has children of its own (a wrapper such as `sh -c` without exec),
 * that child, and so on down; its workers are its running children that are not
 * multiprocessing helpers. The lowest pid is killed (a reproducible choice), and recorded
 * with its command line and its master.
 */
export function killOneWorker(
  root: number,
  note: (event: EventName, extra?: Omit<TimelineEvent, 'event' | 't_ms'>) => void,
): void {
  const workersOf = (pid: number) =>
    runningChildren(pid).filter((c) => {
      const cmdline = cmdlineOf(c);
      return cmdline !== undefined && !HELPER_CMDLINE.test(cmdline);
    });
  let master = root;
  let workers = workersOf(master);
  while (workers.length === 1 && workersOf(workers[0]!).length > 0) {
    master = workers[0]!;
    workers = workersOf(master);
  }
  const pid = workers[0];
  if (pid === undefined) return note('kill_worker', { reason: msg.experimentNoWorker(master) });
  const cmdline = cmdlineOf(pid);
  signal(pid, 'SIGKILL');
  note('kill_worker', { pid, master, cmdline });
}

/**
 * Snapshots of a tree the experiment owns, every interval with the recorder's clock
 * (src/collect/recorder.ts), until stop(). A snapshot that fails (disk full) ends the loop;
 * stop() then throws its error.
 */
function recordSnapshots(out: string, root: number, intervalMs: number): { stop: () => Promise<void> } {
  const facts = hostFacts();
  let stopping = false;
  const ticker = everyInterval(
    intervalMs,
    async () => void writeSnapshotFolder(out, readSnapshot(root, facts)),
    () => stopping,
  );
  let failure: unknown;
  const done = ticker.done.catch((e: unknown) => {
    failure = e;
  });
  return {
    stop: async () => {
      stopping = true;
      ticker.wake();
      await done;
      if (failure !== undefined) throw failure;
    },
  };
}
