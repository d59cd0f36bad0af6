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
  let ticker: Ticker | undefined;
  const onSignal = () => {
    stop = true;
    ticker?.wake();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  void childDone.then(() => ticker?.wake());

  const cpuStart = process.cpuUsage();
  const started = Date.now();
  let snapshots = 0;
  try {
    ticker = everyInterval(
      options.intervalMs,
      async () => {
        await sink.write(readSnapshot(root, facts, proc));
        snapshots++;
      },
      () =>
        stop ||
        !(child ? !childExited : isAlive(root, proc)) ||
        (options.durationMs !== undefined && Date.now() - started >= options.durationMs),
    );
    await ticker.done;
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

export interface Ticker {
  /** Resolves when `stop()` was true before a tick (rejects when a tick throws). */
  done: Promise<void>;
  /** Ends the wait in progress, so a stop is seen at once. */
  wake: () => void;
}

/**
 * Runs `tick` every `intervalMs`, aligned to the start so there is no drift; a tick that falls
 * behind skips the missed ones, never bursts. Stops when `stop()`, checked before each tick, is
 * true.
 */
export function everyInterval(intervalMs: number, tick: () => Promise<void>, stop: () => boolean): Ticker {
  let wake: (() => void) | undefined;
  const started = Date.now();
  const done = (async () => {
    for (let k = 0; !stop(); k++) {
      await tick();
      const delay = started + (k + 1) * intervalMs - Date.now();
      if (delay <= 0) {
        k = Math.floor((Date.now() - started) / intervalMs) - 1; // fell behind: skip, never burst
        continue;
      }
      if (stop()) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  })();
  return { done, wake: () => wake?.() };
}
