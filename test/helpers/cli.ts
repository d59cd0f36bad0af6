import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURES = join(ROOT, 'test/fixtures');
export const CAPTURE = join(FIXTURES, 'real-capture-1');
export const MODES = ['gunicorn-preload', 'gunicorn', 'uvicorn-spawn'] as const;

export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (bin/trace-analyze.js) as a user would; `npm test` builds dist/ first. */
export function cli(
  args: string[],
  options: {
    cwd?: string;
    env?: Record<string, string>;
    input?: string;
    timeout?: number;
    /** Run as another user (tests of file permissions when the tests run as root). */
    uid?: number;
    gid?: number;
  } = {},
): CliRun {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/trace-analyze.js'), ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    input: options.input,
    encoding: 'utf8',
    timeout: options.timeout ?? 120_000,
    uid: options.uid,
    gid: options.gid,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'trace-analyze-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
