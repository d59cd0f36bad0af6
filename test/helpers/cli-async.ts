import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, type CliRun } from './cli.js';

/**
 * Runs the built CLI like cli(), but without blocking the test worker: long runs of spawnSync
 * starve vitest's worker RPC on a loaded machine ("Timeout calling onTaskUpdate").
 */
export function cliAsync(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin/trace-analyze.js'), ...args],
      {
        cwd: options.cwd ?? ROOT,
        env: { ...process.env, ...options.env },
        encoding: 'utf8',
        timeout: 180_000,
        maxBuffer: 256 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? -1 : 0;
        resolve({ status: code, stdout, stderr });
      },
    );
  });
}
