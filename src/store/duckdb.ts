import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as DuckDB from '@duckdb/node-api';

/**
 * `npm run build` bundles @duckdb/node-api's ~180 CommonJS files into this one file (esbuild;
 * the native @duckdb/node-bindings stays outside). Loading it costs about 30 ms less CPU at
 * every start than resolving and compiling the package file by file (docs/performance.md).
 * Both src/store and dist/store sit two levels below the package root.
 */
const BUNDLE = fileURLToPath(new URL('../../dist/vendor/duckdb-node-api.cjs', import.meta.url));

/**
 * @duckdb/node-api: the bundle once built, else (tests run from src/ before a build) the
 * package itself. Loaded with require(): an ESM import of CommonJS first runs Node's export
 * lexer over its files. Every other module takes DuckDB's classes from here, so that one copy
 * of them is loaded (`instanceof` holds between values and classes).
 */
export const duckdb = createRequire(import.meta.url)(
  existsSync(BUNDLE) ? BUNDLE : '@duckdb/node-api',
) as typeof DuckDB;
