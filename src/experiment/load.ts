import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startGroup, stopGroup } from './process-group.js';

/**
 * The load of one run: the built-in fixed-rate HTTP load, or any command the user gives.
 *
 * The built-in load is autocannon (mcollina/autocannon), not a hand-written client: widely
 * used and maintained, pure JavaScript (no native build), with a rate mode (`overallRate`)
 * that paces requests by the clock instead of sending the next as soon as an answer arrives,
 * and latencies corrected for coordinated omission. Pinned to 8.0.0: 9.0.0 (2026-11) tests
 * itself on Node 22.15+ only, 8.0.0 runs on Node 20, which this tool supports.
 * What the rate means, from autocannon's lib/httpClient.js: each connection may start its share
 * of the rate per second, at the start of each second; at most `connections` requests are in
 * flight, so a server slower than the rate is offered fewer requests (the recorded counts
 * show it). The total is capped at rate × duration (`amount`) and the load is stopped after
 * the duration.
 */
export type LoadSpec =
  | { kind: 'builtin'; url: URL; rate: number; durationMs: number; connections: number }
  | { kind: 'command'; command: string };

/** What a load reported about its requests; null where its output does not say. */
export interface LoadCounts {
  /** `autocannon`, or `command` for a user's command. */
  tool: 'autocannon' | 'command';
  /** Which output the counts were read from: autocannon's result, wrk's summary, or none (unknown format). */
  counts_from: 'autocannon' | 'wrk' | null;
  /** Responses received. */
  responses: number | null;
  /** Responses with a 4xx or 5xx status (wrk: "Non-2xx or 3xx responses"). */
  error_responses: number | null;
  /** Requests that got no response: connection errors and timeouts. */
  errors: number | null;
  /** The command's exit code or signal (command loads only). */
  exit?: number | string;
  /** Files written beside the snapshots, relative to the run's folder. */
  files: string[];
}

/** Runs autocannon against the one URL the user named; its full result goes to `autocannon.json`. */
export async function runBuiltinLoad(
  spec: Extract<LoadSpec, { kind: 'builtin' }>,
  runDir: string,
  abort: AbortSignal,
): Promise<LoadCounts> {
  const { default: autocannon } = await import('autocannon'); // half a second to load: only when used
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url.href,
        overallRate: spec.rate,
        amount: Math.max(1, Math.round((spec.rate * spec.durationMs) / 1000)),
        connections: spec.connections,
        timeout: 10,
      },
      (error, result) => {
        clearTimeout(timer);
        abort.removeEventListener('abort', stop);
        if (error) return reject(error);
        writeFileSync(join(runDir, 'autocannon.json'), `${JSON.stringify(result, null, 2)}\n`);
        const responses = Object.values(result.statusCodeStats).reduce((s, c) => s + c.count, 0);
        resolve({
          tool: 'autocannon',
          counts_from: 'autocannon',
          responses,
          error_responses: result['4xx'] + result['5xx'],
          errors: result.errors,
          files: ['autocannon.json'],
        });
      },
    );
    const stop = () => instance.stop();
    const timer = setTimeout(stop, spec.durationMs);
    abort.addEventListener('abort', stop);
  });
}

/**
 * Runs the user's load command (through /bin/sh, in its own process group) until it exits;
 * its stdout and stderr are kept as `load.stdout` / `load.stderr`. Ctrl-C stops its group.
 * wrk's summary is read for the counts; other tools' output is kept but not read.
 */
export async function runCommandLoad(
  command: string,
  runDir: string,
  options: { cwd?: string; env: NodeJS.ProcessEnv; graceMs: number },
  abort: AbortSignal,
): Promise<LoadCounts> {
  const stdout = join(runDir, 'load.stdout');
  const stderr = join(runDir, 'load.stderr');
  const group = await startGroup(command, { cwd: options.cwd, env: options.env, stdout, stderr });
  const onAbort = () => void stopGroup(group, options.graceMs);
  abort.addEventListener('abort', onAbort);
  let exit: number | string;
  try {
    exit = await group.exited;
  } finally {
    abort.removeEventListener('abort', onAbort);
  }
  // the command's own children (wrk threads are threads; a script's subprocesses are not) end with it
  await stopGroup(group, options.graceMs);
  const wrk = parseWrkSummary(readFileSync(stdout, 'utf8'));
  return {
    tool: 'command',
    counts_from: wrk ? 'wrk' : null,
    responses: wrk?.responses ?? null,
    error_responses: wrk?.error_responses ?? null,
    errors: wrk?.errors ?? null,
    exit,
    files: ['load.stdout', 'load.stderr'],
  };
}

/**
 * wrk's summary (wrk 4.x, src/wrk.c): "<n> requests in <t>s, <bytes> read", optionally
 * "Socket errors: connect <a>, read <b>, write <c>, timeout <d>" and
 * "Non-2xx or 3xx responses: <k>". Undefined when the text has no such summary.
 */
export function parseWrkSummary(
  text: string,
): { responses: number; error_responses: number; errors: number } | undefined {
  const requests = /^\s*(\d+) requests in [\d.]+\w+, .+ read$/m.exec(text);
  if (!requests) return undefined;
  const socket = /^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)$/m.exec(text);
  const bad = /^\s*Non-2xx or 3xx responses: (\d+)$/m.exec(text);
  return {
    responses: Number(requests[1]),
    error_responses: bad ? Number(bad[1]) : 0,
    errors: socket ? socket.slice(1, 5).reduce((s, v) => s + Number(v), 0) : 0,
  };
}
