import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import type * as DuckDB from '@duckdb/node-api';

/**
 * `npm run build` bundles @duckdb/node-api's ~180 CommonJS files into this one file (esbuild;
 * the native @duckdb/node-bindings stays outside). Loading it costs about 30 ms less CPU at
 * every start than resolving and compiling the package file by file (docs/performance.md).
 * Both src/store and dist/store sit two levels below the package root.
 */
const BUNDLE = fileURLToPath(new URL('../../dist/vendor/duckdb-node-api.cjs', import.meta.url));

/**
 * V8's code cache of the bundle, written by the build right after the bundle
 * (writeBundleCodeCache): the bytecode of what loading it compiles, about 8 ms of CPU. V8
 * refuses a cache from another V8 version or other flags, and the bundle is then compiled as
 * without one; it checks the source only by its length, so the build removes the cache before
 * it writes a new bundle.
 */
const CODE_CACHE = fileURLToPath(new URL('../../dist/vendor/duckdb-node-api.v8-cache', import.meta.url));

let bundleScript: Script | undefined;

/** The bundle, loaded as Node loads a CommonJS file, with the code cache when there is one. */
function loadBundle(): typeof DuckDB {
  const source = readFileSync(BUNDLE, 'utf8');
  bundleScript = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: BUNDLE,
    cachedData: existsSync(CODE_CACHE) ? readFileSync(CODE_CACHE) : undefined,
  });
  const module = { exports: {} as typeof DuckDB };
  const wrapper = bundleScript.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE));
  return module.exports;
}

/**
 * @duckdb/node-api: the bundle once built, else (tests run from src/ before a build) the
 * package itself, loaded with require(): an ESM import of CommonJS first runs Node's export
 * lexer over its files. Every other module takes DuckDB's classes from here, so that one copy
 * of them is loaded (`instanceof` holds between values and classes; eslint.config.js).
 */
export const duckdb: typeof DuckDB = existsSync(BUNDLE)
  ? loadBundle()
  : (createRequire(import.meta.url)('@duckdb/node-api') as typeof DuckDB);

/**
 * `npm run build`, after bundling: writes the code cache of the bundle as this process
 * compiled it (the build removes dist/vendor first, so it was compiled from source).
 */
export function writeBundleCodeCache(): void {
  if (!bundleScript) throw new Error('no DuckDB bundle was loaded: run esbuild first (npm run build)');
  if (bundleScript.cachedDataRejected !== undefined)
    throw new Error(`${CODE_CACHE} was there before the bundle was loaded: remove it first`);
  writeFileSync(CODE_CACHE, bundleScript.createCachedData());
}
