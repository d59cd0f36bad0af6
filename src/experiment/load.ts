import { writeFileSync } from 'node:fs';
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

/**
 * What the experiment keeps of a load, beside the snapshots: its output, which the report
 * imports with the load-tool importers (src/importers/load-summary.ts) when its format is known
 * — autocannon's result always, a command's stdout when it is wrk, hey, ab, k6 ... output.
 */
export interface LoadRecord {
  /** `autocannon`, or `command` for a user's command. */
  tool: 'autocannon' | 'command';
  /** The output the report imports, relative to the run's folder. */
  output: string;
  /** Every file written, relative to the run's folder. */
  files: string[];
  /** The command's exit code or signal (command loads only). */
  exit?: number | string;
}

/** Runs autocannon against the one URL the user named; its full result goes to `autocannon.json`. */
export async function runBuiltinLoad(
  spec: Extract<LoadSpec, { kind: 'builtin' }>,
  runDir: string,
  abort: AbortSignal,
): Promise<LoadRecord> {
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
        resolve({ tool: 'autocannon', output: 'autocannon.json', files: ['autocannon.json'] });
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
 */
export async function runCommandLoad(
  command: string,
  runDir: string,
  options: { cwd?: string; env: NodeJS.ProcessEnv; graceMs: number },
  abort: AbortSignal,
): Promise<LoadRecord> {
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
  return { tool: 'command', output: 'load.stdout', files: ['load.stdout', 'load.stderr'], exit };
}
