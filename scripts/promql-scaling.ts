/**
 * PromQL scaling check (not a test, nothing asserts a duration): generates process-exporter-like
 * inputs of growing size with bench/generate.ts, imports each with the built CLI into a temp
 * directory, and times the pool rate query over the whole range, printing wall and CPU seconds.
 *
 *   npm run build && npx vite-node scripts/promql-scaling.ts -- [--points 1000,5000,20000]
 *       [--series 1000] [--step 60s] [--runs 3] [--query '...'] [--keep DIR]
 *
 * Sizes are series × points at 1 s scrapes; see docs/performance.md (PromQL) for figures.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, mkdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writePromJson } from '../bench/generate.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    series: { type: 'string', default: '1000' },
    points: { type: 'string', default: '1000,5000,20000' },
    step: { type: 'string', default: '60s' },
    runs: { type: 'string', default: '3' },
    query: {
      type: 'string',
      default: 'sum by (groupname) (rate(namedprocess_namegroup_cpu_seconds_total[1m]))',
    },
    keep: { type: 'string' },
  },
});

const CLI = join(import.meta.dirname, '..', 'bin', 'trace-analyze.js');
const START_MS = 1_700_000_000_000;

interface Timing {
  wallS: number;
  cpuS: number;
  maxRssMiB: number;
  stdout: string;
}

/** Runs the CLI under /usr/bin/time so CPU and peak RSS of the child are measured too. */
function run(args: string[]): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', '%U %S %M', process.execPath, CLI, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) return reject(new Error(`trace-analyze ${args[0]} exited ${code}: ${stderr}`));
      const [user, sys, rssKb] = stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
      resolve({ wallS, cpuS: user! + sys!, maxRssMiB: rssKb! / 1024, stdout });
    });
  });
}

const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'promql-scaling-'));
if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
const series = Number(values.series);
const runs = Number(values.runs);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
console.log(`query: ${values.query}  step ${values.step}  runs ${runs}  dir ${dir}`);
console.log(
  'samples      series  points  steps  result-series  best-wall-s  best-cpu-s  rss-MiB  load(1,5,15)',
);
try {
  for (const points of values.points!.split(',').map(Number)) {
    const json = join(dir, `prom-${series}x${points}.json`);
    const db = join(dir, `prom-${series}x${points}.duckdb`);
    if (!existsSync(db)) {
      await writePromJson(json, { series, points, startMs: START_MS, intervalMs: 1000 });
      await run(['import', json, '--db', db, '--deployment', 'bench']);
      rmSync(json);
    }
    const end = START_MS + (points - 1) * 1000;
    let best: Timing | undefined;
    for (let r = 0; r < runs; r++) {
      const t = await run([
        'promql',
        values.query!,
        '--db',
        db,
        '--start',
        String(START_MS / 1000),
        '--end',
        String(end / 1000),
        '--step',
        values.step!,
      ]);
      if (!best || t.wallS < best.wallS) best = t;
    }
    const body = JSON.parse(best!.stdout) as { data: { result: { values: unknown[] }[] } };
    const steps = body.data.result[0]?.values.length ?? 0;
    console.log(
      [
        String(series * points).padEnd(12),
        String(series).padEnd(7),
        String(points).padEnd(7),
        String(steps).padEnd(6),
        String(body.data.result.length).padEnd(14),
        best!.wallS.toFixed(2).padEnd(12),
        best!.cpuS.toFixed(2).padEnd(11),
        best!.maxRssMiB.toFixed(0).padEnd(8),
        load(),
      ].join(' '),
    );
  }
} finally {
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}
