// Baseline: what a user gets from DuckDB alone. Loads a Prometheus query_range body with
// read_json (unnest of data.result, then of values) into a table of a database file.
// Plain JavaScript run by node, so the measurement carries no TypeScript runner.
// Usage: node bench/duckdb-baseline.mjs <body.json> <out.duckdb>
import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';

const [input, output] = process.argv.slice(2);
const quote = (text) => `'${text.replaceAll("'", "''")}'`;
const instance = await DuckDBInstance.create(output);
const connection = await instance.connect();
const started = performance.now();
await connection.run(`
  CREATE TABLE samples AS
  SELECT r.metric AS metric, (v[1])::DOUBLE AS ts, (v[2])::DOUBLE AS value
  FROM (SELECT unnest(data.result) AS r
        FROM read_json(${quote(input)}, maximum_object_size = 2147483647)),
       unnest(r."values") AS t(v)`);
const reader = await connection.runAndReadAll('SELECT count(*)::BIGINT AS n FROM samples');
const samples = Number(reader.getRowObjects()[0].n);
connection.closeSync();
instance.closeSync();
process.stdout.write(`${JSON.stringify({ samples, loadMs: performance.now() - started })}\n`);
