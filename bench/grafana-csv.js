/**
 * Measures the two ways to read a large Grafana CSV (docs/formats.md, grafana-csv): papaparse
 * (what the importer uses) against DuckDB's read_csv + UNPIVOT, on a generated raw export.
 * Run after `npm run build`: node bench/grafana-csv.js   (ROWS=... to change the size)
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { grafanaCsv } from '../dist/importers/grafana-csv.js';
import { openSource } from '../dist/importers/source.js';

const ROWS = Number(process.env.ROWS ?? 200_000);
const COLUMNS = 10;
const dir = fileURLToPath(new URL('./data/', import.meta.url));
const path = join(dir, `grafana-${ROWS}.csv`);

const lines = [['Time', ...Array.from({ length: COLUMNS }, (_, i) => `"m{i=""${i}""}"`)].join(',')];
for (let r = 0; r < ROWS; r++) {
  const cells = [String(1_700_000_000_000 + r * 1000)];
  for (let c = 0; c < COLUMNS; c++) cells.push(String(Math.sin(r * 0.001 + c) * 1e6));
  lines.push(cells.join(','));
}
writeFileSync(path, lines.join('\n') + '\n');
const samples = ROWS * COLUMNS;

let t = performance.now();
let count = 0;
const source = await openSource(path);
for await (const batch of grafanaCsv.parse(source, { deployment: 'bench' })) count += batch.samples.length;
const papa = performance.now() - t;

const db = await (await DuckDBInstance.create(':memory:')).connect();
t = performance.now();
await db.run(
  `CREATE TABLE s AS UNPIVOT (SELECT * FROM read_csv('${path}', header = true, all_varchar = false)) ON COLUMNS(* EXCLUDE ("Time")) INTO NAME series VALUE value`,
);
const duck = performance.now() - t;
const rows = Number((await db.runAndReadAll('SELECT count(*) FROM s')).getRows()[0][0]);

console.log(`${samples} samples (${ROWS} rows x ${COLUMNS} series)`);
console.log(`papaparse (importer parse, batches in JS): ${papa.toFixed(0)} ms, ${count} samples`);
console.log(`duckdb read_csv + UNPIVOT into a table:     ${duck.toFixed(0)} ms, ${rows} samples`);
