/**
 * Runs one command as a child process and measures it the same way for every contender: wall
 * time, CPU time (user + system, from /usr/bin/time when present) and peak RSS of the whole
 * process tree (the child and everything it starts, summed, polled from /proc).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Measurement {
  wallMs: number;
  /** User + system CPU of the child and its descendants; null without /usr/bin/time. */
  cpuMs: number | null;
  /** Peak of the summed RSS of the process tree, in bytes. */
  peakRssBytes: number;
  exitCode: number;
  stdout: string;
  stderr: string;
}

const TIME = '/usr/bin/time';
const POLL_MS = 20;

/** The pid and every descendant of it, from /proc/<pid>/task/<tid>/children. */
function processTree(root: number): number[] {
  const out: number[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    out.push(pid);
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // exited meanwhile
    }
    for (const tid of tasks) {
      try {
        const children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
        if (children) for (const c of children.split(/\s+/)) pending.push(Number(c));
      } catch {
        // the task exited meanwhile
      }
    }
  }
  return out;
}

/** The resident set of one process, bytes (0 once it has exited). */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export async function measure(
  command: string,
  args: string[],
  options: { cwd?: string } = {},
): Promise<Measurement> {
  const timed = existsSync(TIME);
  const timeFile = join(tmpdir(), `trace-analyze-bench-time-${process.pid}-${Date.now()}`);
  const [cmd, argv] = timed
    ? [TIME, ['-f', '%e %U %S %M', '-o', timeFile, command, ...args]]
    : [command, args];
  const started = performance.now();
  const child = spawn(cmd, argv, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let peak = 0;
  const poll = () => {
    if (child.pid === undefined) return;
    let sum = 0;
    // /usr/bin/time itself is a tiny process that only waits; count it too, it is in the tree.
    for (const pid of processTree(child.pid)) sum += rssBytes(pid);
    peak = Math.max(peak, sum);
  };
  const timer = setInterval(poll, POLL_MS);
  poll();
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
  clearInterval(timer);
  const wallMs = performance.now() - started;
  let cpuMs: number | null = null;
  if (timed && existsSync(timeFile)) {
    const fields = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
    rmSync(timeFile, { force: true });
    const [, user, system, maxKb] = fields as [number, number, number, number];
    cpuMs = (user + system) * 1000;
    // The largest single process as the kernel counted it: a floor for the tree's peak between polls.
    peak = Math.max(peak, maxKb * 1024);
  }
  return { wallMs, cpuMs, peakRssBytes: peak, exitCode, stdout, stderr };
}
