import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CliError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { openSink } from './sink.js';
import { hostFacts, isAlive, readSnapshot } from './snapshot.js';

/**
 * The recorder behind `trace-analyze collect`: a snapshot every interval (aligned to the
 * start, so there is no drift) of a pid and its descendants, or of a command it starts,
 * until the process ends, the duration passes, or SIGINT/SIGTERM — which let the snapshot in
 * progress finish and then stop (a command collect started is then sent SIGTERM). Reports its
 * own CPU time so its overhead is known.
 */

/** How long a started command gets to exit after SIGTERM when the recording stops first. */
const STOP_GRACE_MS = 10_000;

export interface RecordOptions {
  /** A folder, or a file ending in .tar.gz / .tgz (sink.ts). */
  out: string;
  /** Add to a folder that already holds snapshots. */
  append?: boolean;
  intervalMs: number;
  durationMs?: number;
  pid?: number;
  command?: string[];
  proc?: string;
}

export interface RecordResult {
  snapshots: number;
  wallSeconds: number;
  cpuSeconds: number;
  /** The started command's exit code, when collect started it. */
  exitCode?: number | null;
}

export async function record(options: RecordOptions): Promise<RecordResult> {
  const proc = options.proc ?? '/proc';
  if (!existsSync(`${proc}/self/stat`)) throw new CliError(msg.collectNotLinux());
  if (options.pid !== undefined && !isAlive(options.pid, proc))
    throw new CliError(msg.collectNoProcess(options.pid));
  const sink = await openSink(options.out, options.append ?? false);
  const facts = hostFacts(proc);

  let child: ChildProcess | undefined;
  let exitCode: number | null | undefined;
  let childExited = false;
  const childDone = new Promise<void>((resolve) => {
    if (!options.command) return;
    const [file, ...args] = options.command;
    child = spawn(file!, args, { stdio: 'inherit' });
    child.on('exit', (code) => {
      exitCode = code;
      childExited = true;
      resolve();
    });
    child.on('error', (e) => {
      childExited = true;
      resolve();
      stopReason = e.message;
    });
  });
  let stopReason: string | undefined;
  const root = options.pid ?? child?.pid;
  if (root === undefined) {
    await sink.close();
    await childDone;
    throw new CliError(msg.cannotRead(options.command!.join(' '), stopReason ?? 'could not start'));
  }

  let stop = false;
  let wake: (() => void) | undefined;
  const onSignal = () => {
    stop = true;
    wake?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  void childDone.then(() => wake?.());

  const cpuStart = process.cpuUsage();
  const started = Date.now();
  let snapshots = 0;
  try {
    for (let k = 0; ; k++) {
      const alive = child ? !childExited : isAlive(root, proc);
      if (!alive || stop) break;
      if (options.durationMs !== undefined && Date.now() - started >= options.durationMs) break;
      await sink.write(readSnapshot(root, facts, proc));
      snapshots++;
      const next = started + (k + 1) * options.intervalMs;
      const delay = next - Date.now();
      if (delay > 0 && !stop) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      } else if (delay <= 0) {
        k = Math.floor((Date.now() - started) / options.intervalMs) - 1; // fell behind: skip, never burst
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await sink.close();
  }
  const cpu = process.cpuUsage(cpuStart);
  if (child && !childExited) {
    // The recording stopped first (--duration, Ctrl-C): end the command collect started, as
    // its owner — SIGTERM, then SIGKILL if it is still there after the grace period.
    child.kill('SIGTERM');
    const grace = setTimeout(() => child?.kill('SIGKILL'), STOP_GRACE_MS);
    await childDone;
    clearTimeout(grace);
  }
  return {
    snapshots,
    wallSeconds: (Date.now() - started) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    exitCode,
  };
}
