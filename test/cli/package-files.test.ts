import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

/** Every file under `dir` (relative to the repository root). */
function walk(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** What `npm pack` puts in the tarball (dist/ is built by `npm test` before the tests run). */
function packedFiles(): string[] {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
}

describe('the npm package', () => {
  let files: string[] = [];
  beforeAll(() => {
    files = packedFiles();
  });

  it('holds the compiled CLI, its launcher and every file it reads at run time', () => {
    const compiled = walk('dist').filter((f) => f.endsWith('.js'));
    expect(compiled).toContain('dist/cli/main.js');
    // The SQL models and migrations, read from src/ by the built code (src/base/sql-files.ts).
    const assets = walk('src').filter((f) => !f.endsWith('.ts'));
    expect(assets.length).toBeGreaterThan(40);
    const notebooks = walk('notebooks');
    expect(notebooks).toContain('notebooks/deployment-comparison.md');
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'bin/trace-analyze.js',
        'scripts/procsnap.sh',
        ...compiled,
        ...assets,
        ...notebooks,
      ]),
    );
  });

  it('leaves out tests, benchmarks, TypeScript sources and source maps', () => {
    const stray = files.filter(
      (f) =>
        /^(test|bench|docs|samples)\//.test(f) ||
        (f.startsWith('src/') && !f.endsWith('.sql')) ||
        f.endsWith('.map') ||
        f.includes('.test.'),
    );
    expect(stray).toEqual([]);
  });
});
