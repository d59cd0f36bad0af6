import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A command the experiment starts in its own process group (and session): `setsid` through
 * Node's `detached`, so the whole tree — a gunicorn master and its forked workers, uvicorn's
 * spawned workers and resource tracker — can be signalled at once with kill(-pgid) and found
 * again in /proc by its group id, even after the master is gone and its children were
 * re-parented.
 */
export interface GroupProcess {
  /** The pid of the started process, which is also the group id. */
  pid: number;
  child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) once the started process has exited. */
  exited: Promise<number | string>;
  hasExited: () => boolean;
}

/**
 * Starts `command` with /bin/sh in its own process group; `exec` makes the shell become the
 * command, so the group leader (and the root of the recorded tree) is the server itself, not
 * a shell. stdout and stderr go to the given files, appended.
 */
export function startGroup(
  command: string,
  options: { cwd?: string; env: NodeJS.ProcessEnv; stdout: string; stderr: string },
): Promise<GroupProcess> {
  const out = openSync(options.stdout, 'a');
  const err = openSync(options.stderr, 'a');
  try {
    const child = spawn('/bin/sh', ['-c', `exec ${command}`], {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', out, err],
    });
    let done = false;
    const exited = new Promise<number | string>((resolve) => {
      child.on('exit', (code, signal) => {
        done = true;
        resolve(code ?? signal ?? 'unknown');
      });
    });
    return new Promise((resolve, reject) => {
      child.on('error', (e) => reject(e));
      child.on('spawn', () => resolve({ pid: child.pid!, child, exited, hasExited: () => done }));
    });
  } finally {
    closeSync(out);
    closeSync(err);
  }
}

/** Fields of /proc/<pid>/stat the experiment needs: state (3), ppid (4) and process group (5). */
interface StatFields {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
}

function readStat(pid: string, proc: string): StatFields | undefined {
  let text: string;
  try {
    text = readFileSync(join(proc, pid, 'stat'), 'utf8');
  } catch {
    return undefined; // gone since the listing
  }
  const rest = text
    .slice(text.lastIndexOf(')') + 1)
    .trim()
    .split(/\s+/);
  return { pid: Number(pid), state: rest[0] ?? '', ppid: Number(rest[1]), pgrp: Number(rest[2]) };
}

function allStats(proc: string): StatFields[] {
  const out: StatFields[] = [];
  for (const name of readdirSync(proc)) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(name, proc);
    if (s) out.push(s);
  }
  return out;
}

/** Zombies (Z) and dead tasks (X) hold no port and run no code: they count as gone. */
const running = (s: StatFields) => s.state !== 'Z' && s.state !== 'X';

/** The pids of the group's processes still running. */
export function groupMembers(pgid: number, proc = '/proc'): number[] {
  return allStats(proc)
    .filter((s) => s.pgrp === pgid && running(s))
    .map((s) => s.pid);
}

/** The running children of `pid`, by pid. */
export function runningChildren(pid: number, proc = '/proc'): number[] {
  return allStats(proc)
    .filter((s) => s.ppid === pid && running(s))
    .map((s) => s.pid)
    .sort((a, b) => a - b);
}

/** The command line of a process (NUL-separated arguments joined with spaces), or undefined when gone. */
export function cmdlineOf(pid: number, proc = '/proc'): string | undefined {
  try {
    return readFileSync(join(proc, String(pid), 'cmdline'), 'utf8')
      .replace(/\0+$/, '')
      .replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}

/** kill(2) that ignores a process or group already gone (ESRCH). */
export function signal(target: number, sig: NodeJS.Signals): void {
  try {
    process.kill(target, sig);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

export const sleep = (ms: number, abort?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (abort?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      abort?.removeEventListener('abort', done);
      resolve();
    }
    abort?.addEventListener('abort', done);
  });

export interface StopResult {
  /** When SIGTERM was sent (unix ms). */
  sigterm: number;
  /** When SIGKILL was sent (unix ms), when the grace period ran out. */
  sigkill?: number;
  /** When no process of the group was left running (unix ms); undefined when some never ended. */
  gone?: number;
  /** Members still running `stuckMs` after SIGKILL (uninterruptible sleep): the stop gave up on them. */
  stuck: number[];
}

/** How long after SIGKILL the stop waits, by default, before giving up on a member (a task stuck in D state). */
const STUCK_MS = 10_000;

/**
 * Stops a group the way a process manager's owner does: SIGTERM to every member, SIGKILL to
 * every member still running after `graceMs`, then waits until /proc shows none of them
 * running (polling every 50 ms), or gives up `stuckMs` after SIGKILL, so it never hangs.
 * `proc` is where the members are read (tests give a folder of their own).
 */
export async function stopGroup(
  group: GroupProcess,
  graceMs: number,
  proc = '/proc',
  stuckMs = STUCK_MS,
): Promise<StopResult> {
  const sigterm = Date.now();
  signal(-group.pid, 'SIGTERM');
  let sigkill: number | undefined;
  for (;;) {
    const left = groupMembers(group.pid, proc);
    if (left.length === 0) {
      // every member ended; the leader's exit event (Node reaps it) is on its way
      if (!group.hasExited()) await Promise.race([group.exited, sleep(1000)]);
      return { sigterm, sigkill, gone: Date.now(), stuck: [] };
    }
    if (sigkill === undefined && Date.now() - sigterm >= graceMs) {
      sigkill = Date.now();
      signal(-group.pid, 'SIGKILL');
    }
    if (sigkill !== undefined && Date.now() - sigkill >= stuckMs) return { sigterm, sigkill, stuck: left };
    await sleep(50);
  }
}
