import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ROOT } from './cli.js';

/**
 * Golden files in test/output (Observable Framework style): a mismatch writes `<name>-changed`
 * next to the golden and fails; review the diff and move it over the golden to accept it, or
 * rewrite every golden a run checks with `UPDATE_GOLDEN=1 npx vitest run <test file>` and review
 * `git diff test/output`. A missing golden is written so a new output starts under review,
 * except in CI (`CI` set), where it fails: a golden that was never committed checks nothing.
 */
export const GOLDEN_DIR = join(ROOT, 'test/output');

export function golden(name: string, actual: string): void {
  mkdirSync(GOLDEN_DIR, { recursive: true });
  const path = join(GOLDEN_DIR, name);
  const changed = `${path}-changed`;
  if (process.env.UPDATE_GOLDEN === '1' && !process.env.CI) {
    writeFileSync(path, actual);
    rmSync(changed, { force: true });
    return;
  }
  if (!existsSync(path)) {
    if (process.env.CI)
      expect.fail(`${name} has no golden in test/output; run the test outside CI and commit it`);
    writeFileSync(path, actual);
    return;
  }
  if (readFileSync(path, 'utf8') === actual) {
    rmSync(changed, { force: true });
    return;
  }
  writeFileSync(changed, actual);
  expect.fail(`${name} differs from its golden; see ${changed}`);
}
