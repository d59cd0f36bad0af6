import { createRequire } from 'node:module';
import type * as DuckDB from '@duckdb/node-api';

/**
 * @duckdb/node-api, loaded with require(): it is CommonJS, and an ESM import of it first runs
 * Node's CommonJS export lexer over the package's files (about 0.2 s of every command's start).
 */
export const duckdb = createRequire(import.meta.url)('@duckdb/node-api') as typeof DuckDB;
