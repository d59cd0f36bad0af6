import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const BUNDLE = join(ROOT, 'dist/vendor/duckdb-node-api.cjs');

function packageJson(path: string): { version: string; dependencies?: Record<string, string> } {
  return JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as ReturnType<typeof packageJson>;
}

/** Runs a script in a fresh node (the bundle and the package each loaded once, nothing cached). */
function node(script: string): string {
  const r = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

describe('@duckdb/node-api bundled at build time (dist/vendor)', () => {
  it('exports what the package exports, and runs the same DuckDB', () => {
    const script = (path: string) =>
      `const d = require(${JSON.stringify(path)});` +
      `process.stdout.write(JSON.stringify({ names: Object.keys(d).sort(), version: d.version() }))`;
    const bundled = JSON.parse(node(script(BUNDLE))) as { names: string[]; version: string };
    const original = JSON.parse(node(script('@duckdb/node-api'))) as typeof bundled;
    expect(original.names.length).toBeGreaterThan(100);
    expect(bundled).toEqual(original);
  });

  it('leaves the native bindings outside, at the version @duckdb/node-api pins', () => {
    // The bundle requires @duckdb/node-bindings from the package's own folder: it must be a
    // direct dependency, at the one version node-api was built for.
    const text = readFileSync(BUNDLE, 'utf8');
    expect(text).toContain('require("@duckdb/node-bindings")');
    expect(text).not.toMatch(/\.node"\)/);
    const pinned = packageJson('node_modules/@duckdb/node-api/package.json').dependencies![
      '@duckdb/node-bindings'
    ];
    expect(packageJson('package.json').dependencies!['@duckdb/node-bindings']).toBe(pinned);
  });

  it('is the copy the CLI loads, and the package stays unloaded', () => {
    const out = node(
      `import(${JSON.stringify(join(ROOT, 'dist/store/duckdb.js'))}).then(async ({ duckdb }) => {` +
        `const c = await (await duckdb.DuckDBInstance.create(':memory:')).connect();` +
        `const v = (await c.runAndReadAll("SELECT TIMESTAMP '2026-12-05 21:00:00' AS t")).getRows()[0][0];` +
        `process.stdout.write(JSON.stringify({` +
        ` instance: v instanceof duckdb.DuckDBTimestampValue,` +
        ` packageLoaded: Object.keys(require.cache).some((f) => f.includes('/@duckdb/node-api/')),` +
        ` bindingsLoaded: Object.keys(require.cache).some((f) => f.includes('/@duckdb/node-bindings/')) }));` +
        `})`,
    );
    expect(JSON.parse(out)).toEqual({ instance: true, packageLoaded: false, bindingsLoaded: true });
  });

  it('has a code cache V8 accepts for the bundle as built', () => {
    // A process of its own: a script compiled once is V8's to reuse, cache or not. The wrapper
    // is the one src/store/duckdb.ts compiles; V8 checks a cache against the source's length.
    const script = (bundle: string) =>
      `const fs = require('node:fs');` +
      `const source = '(function (exports, require, module, __filename, __dirname) {' +` +
      ` fs.readFileSync(${JSON.stringify(bundle)}, 'utf8') + '\\n})';` +
      `const script = new (require('node:vm').Script)(source, { filename: ${JSON.stringify(BUNDLE)},` +
      ` cachedData: fs.readFileSync(${JSON.stringify(join(ROOT, 'dist/vendor/duckdb-node-api.v8-cache'))}) });` +
      `process.stdout.write(String(script.cachedDataRejected));`;
    expect(node(script(BUNDLE))).toBe('false');
    // the check can fail: the same cache for another source is refused
    const other = join(mkdtempSync(join(tmpdir(), 'bundle-')), 'other.cjs');
    writeFileSync(other, readFileSync(BUNDLE, 'utf8') + '\n');
    expect(node(script(other))).toBe('true');
    rmSync(dirname(other), { recursive: true });
  });
});
