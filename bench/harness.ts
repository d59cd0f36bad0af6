/**
 * The benchmark harness behind `npm run bench` (bench/run.ts): generates the inputs (once, into bench/data/), then measures in one run, on
 * the same files: our import, the pool rate query and the report, and the baselines a user would
 * otherwise reach for (DuckDB's read_json, a pandas script). Prints one table with the ratios.
 *
 * Every contender runs as a child process, measured by bench/measure.ts.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeProcSnapshots, writePromJson } from './generate.js';
import { renderHeadToHead, runHeadToHead, type HeadToHeadRow } from './head-to-head.js';
import { measure, type Measurement } from './measure.js';
import { havePrometheus, prometheusBlocks, prometheusVersion } from './prometheus.js';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CLI = join(ROOT, 'bin/trace-analyze.js');
const PYTHON = '/usr/bin/python3';
const START_MS = 1_700_000_000_000;
const INTERVAL_MS = 1000;
/** Sizes of the scaling run (`--scaling`, up to `--scaling-to`). */
export const SCALING = [1e6, 2e6, 5e6, 10e6, 20e6, 50e6, 100e6, 200e6, 500e6, 1e9];
/** Scaling inputs above this size are removed after their run (a 500M input is 14 GB). */
const KEEP_INPUTS_UP_TO = 100e6;
/** The question of issue 8: CPU per process group, rate per series then summed, over the whole range. */
export const POOL_RATE_QUERY = 'sum by (groupname) (rate(namedprocess_namegroup_cpu_seconds_total[1m]))';

export interface BenchOptions {
  samples: number;
  series: number;
  /** Where inputs are generated (kept between runs) and databases written (replaced each run). */
  dataDir: string;
  baselines: boolean;
  /** Sizes for the scaling run of our import and report; empty for none. */
  scaling: number[];
  /** Step of the range query over the whole range. */
  step: string;
  /** The /proc snapshot set: snapshots (one a second) of a master and this many workers; 0 snapshots for none. */
  procfs: { snapshots: number; workers: number };
  /** Runs of each of our contenders; a row shows the run with the median wall time (the baselines run once). */
  runs: number;
  /**
   * The PromQL head-to-head against Debian's Prometheus (bench/head-to-head.ts), when it is
   * installed; each side runs `runs` times.
   */
  prometheus: boolean;
  log: (line: string) => void;
}

export interface BenchRow {
  id: string;
  label: string;
  samples: number;
  m: Measurement;
  /** Extra figures a contender reports about itself (its own phase timings). */
  detail?: Record<string, number>;
  /** Wall times of every run, when the contender ran more than once (m is the median one's). */
  walls?: number[];
}

/** One size of the scaling run: our import into a fresh database, then the report on it. */
export interface ScalingRow {
  samples: number;
  import: BenchRow;
  report: BenchRow;
  /** 1-minute load average before the size's import and after its report. */
  load: [number, number];
}

export interface BenchResult {
  rows: BenchRow[];
  /** Empty when the head-to-head did not run. */
  headToHead: HeadToHeadRow[];
  scaling: ScalingRow[];
  /** 1-minute load average before and after the measurements (the machine may be shared). */
  load: [number, number];
  table: string;
}

/** "20M", "500k", "1G", "1e6", "20000000" → a count. */
export function parseCount(text: string): number {
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)([kKmMgG]?)$/.exec(text.trim());
  if (!m) throw new Error(`cannot read "${text}" as a count (e.g. 20M, 500k)`);
  const unit = m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G';
  const scale = { '': 1, K: 1e3, M: 1e6, G: 1e9 }[unit];
  return Math.round(Number(m[1]) * scale);
}

export function shapeFor(samples: number, series: number): { series: number; points: number } {
  const s = Math.max(1, Math.min(series, Math.floor(samples / 2)));
  return { series: s, points: Math.max(2, Math.round(samples / s)) };
}

/** Generates the prom-json body for a size unless it is already there (written under a temporary name first). */
export async function promInput(dataDir: string, shape: { series: number; points: number }): Promise<string> {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, `prom-${shape.series}x${shape.points}.json`);
  if (existsSync(path)) return path;
  const partial = `${path}.partial`;
  await writePromJson(partial, { ...shape, startMs: START_MS, intervalMs: INTERVAL_MS });
  renameSync(partial, path);
  return path;
}

/** Generates a /proc snapshot set unless it is already there (written under a temporary name first). */
export async function procfsInput(
  dataDir: string,
  shape: { snapshots: number; workers: number },
): Promise<string> {
  const path = join(dataDir, `procfs-${shape.snapshots}x${shape.workers}`);
  if (existsSync(path)) return path;
  const partial = `${path}.partial`;
  rmSync(partial, { recursive: true, force: true });
  await writeProcSnapshots(partial, { ...shape, startMs: START_MS, intervalMs: INTERVAL_MS });
  renameSync(partial, path);
  return path;
}

function freshPath(path: string): string {
  rmSync(path, { force: true });
  rmSync(`${path}.wal`, { force: true });
  return path;
}

/** Reads a file once, so that every contender finds it in the page cache (none pays the disk). */
async function warm(path: string): Promise<void> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 22 })) void chunk;
}

/** Measures a contender `runs` times; the row is the run with the median wall time. */
async function repeat(runs: number, once: () => Promise<BenchRow>): Promise<BenchRow> {
  const all: BenchRow[] = [];
  for (let i = 0; i < runs; i++) all.push(await once());
  const sorted = [...all].sort((a, b) => a.m.wallMs - b.m.wallMs);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  return runs > 1 ? { ...median, walls: all.map((r) => r.m.wallMs) } : median;
}

function check(row: BenchRow): BenchRow {
  if (row.m.exitCode !== 0) {
    throw new Error(
      `${row.label} failed (exit ${row.m.exitCode}): ${row.m.stderr.trim().split('\n').at(-1) ?? ''}`,
    );
  }
  return row;
}

/** `trace-analyze import` of a file or folder into a fresh database. */
function importInto(input: string, db: string): Promise<Measurement> {
  return measure(process.execPath, [CLI, 'import', input, '--db', freshPath(db), '--deployment', 'bench']);
}

async function ourImport(file: string, db: string, samples: number): Promise<BenchRow> {
  return check({ id: 'import', label: 'ours: import', samples, m: await importInto(file, db) });
}

function hasPandas(): boolean {
  if (!existsSync(PYTHON)) return false;
  try {
    execFileSync(PYTHON, ['-c', 'import pandas'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const { log } = options;
  const runDir = join(options.dataDir, 'run');
  mkdirSync(runDir, { recursive: true });
  const shape = shapeFor(options.samples, options.series);
  const samples = shape.series * shape.points;
  log(`input: ${shape.series} series × ${shape.points} points = ${samples} samples`);
  const file = await promInput(options.dataDir, shape);
  const db = join(runDir, 'ours.duckdb');
  const rows: BenchRow[] = [];
  const loadBefore = loadavg()[0]!;

  await warm(file);
  const times = options.runs > 1 ? ` (${options.runs} runs each)` : '';
  log(`measuring: our import${times}`);
  rows.push(await repeat(options.runs, () => ourImport(file, db, samples)));

  // The pool CPU question over the whole range, as a user would ask it after the import.
  const startS = START_MS / 1000;
  const endS = (START_MS + shape.points * INTERVAL_MS) / 1000;
  log(`measuring: our promql query${times}`);
  rows.push(
    await repeat(options.runs, async () => {
      const promql = await measure(process.execPath, [
        CLI,
        'promql',
        POOL_RATE_QUERY,
        '--db',
        db,
        '--start',
        String(startS),
        '--end',
        String(endS),
        '--step',
        options.step,
      ]);
      const body =
        promql.exitCode === 0 ? (JSON.parse(promql.stdout) as { data: { result: unknown[] } }) : null;
      return check({
        id: 'promql',
        label: 'ours: promql pool rate',
        samples,
        m: promql,
        detail: body ? { series: body.data.result.length } : undefined,
      });
    }),
  );
  log(`measuring: our report${times}`);
  const report = join(runDir, 'report.html');
  rows.push(
    await repeat(options.runs, async () => {
      rmSync(report, { force: true });
      const r = await measure(process.execPath, [CLI, 'report', '--db', db, '-o', report]);
      return check({ id: 'report', label: 'ours: report (HTML)', samples, m: r });
    }),
  );

  if (options.procfs.snapshots > 0) {
    const dir = await procfsInput(options.dataDir, options.procfs);
    log(`measuring: our import of ${options.procfs.snapshots} /proc snapshots${times}`);
    rows.push(
      await repeat(options.runs, async () => {
        const m = await importInto(dir, join(runDir, 'procfs.duckdb'));
        // "imported N samples in M series (procfs)": the importer's own count.
        const count = /imported (\d+) samples/.exec(m.stderr);
        return check({
          id: 'procfs',
          label: `ours: import /proc (${options.procfs.snapshots} snapshots)`,
          samples: count ? Number(count[1]) : 0,
          m,
        });
      }),
    );
  }

  if (options.baselines) {
    log('measuring: DuckDB read_json');
    const m = await measure(process.execPath, [
      join(ROOT, 'bench/duckdb-baseline.mjs'),
      file,
      freshPath(join(runDir, 'read-json.duckdb')),
    ]);
    rows.push(
      check({ id: 'read_json', label: 'DuckDB read_json: load', samples, m, detail: lastJson(m.stdout) }),
    );
    if (hasPandas()) {
      log('measuring: pandas');
      const p = await measure(PYTHON, [
        join(ROOT, 'bench/pandas_baseline.py'),
        file,
        '--step',
        String(stepSeconds(options.step)),
      ]);
      rows.push(
        check({
          id: 'pandas',
          label: 'pandas: load + rate + sum',
          samples,
          m: p,
          detail: lastJson(p.stdout),
        }),
      );
    } else {
      log(`pandas baseline skipped: ${PYTHON} has no pandas (Debian: apt-get install python3-pandas)`);
    }
  }

  const scaling: ScalingRow[] = [];
  const scalingDb = join(runDir, 'scaling.duckdb');
  const scalingReport = join(runDir, 'scaling-report.html');
  for (const size of options.scaling) {
    const s = shapeFor(size, options.series);
    const n = s.series * s.points;
    log(`scaling: our import and report of ${n} samples`);
    const input = await promInput(options.dataDir, s);
    await warm(input);
    const loadStart = loadavg()[0]!;
    const imported = await repeat(options.runs, () => ourImport(input, scalingDb, n));
    if (n > KEEP_INPUTS_UP_TO && input !== file) rmSync(input, { force: true });
    const report = await repeat(options.runs, async () => {
      rmSync(scalingReport, { force: true });
      const r = await measure(process.execPath, [CLI, 'report', '--db', scalingDb, '-o', scalingReport]);
      return check({ id: 'report', label: 'ours: report (HTML)', samples: n, m: r });
    });
    scaling.push({ samples: n, import: imported, report, load: [loadStart, loadavg()[0]!] });
    const row = scaling.at(-1)!;
    log(`  ${scalingCells(row).join('  ')}`);
  }
  rmSync(scalingDb, { force: true });
  rmSync(scalingReport, { force: true });

  let headToHead: HeadToHeadRow[] = [];
  let headToHeadTable = '';
  if (options.prometheus && havePrometheus()) {
    // The same samples, with the deployment label our import adds, so both sides see the same series.
    const blocks = await prometheusBlocks(
      options.dataDir,
      { ...shape, startMs: START_MS, intervalMs: INTERVAL_MS },
      { deployment: 'bench' },
      log,
    );
    headToHead = await runHeadToHead({
      db,
      blocks,
      workDir: join(runDir, 'prometheus'),
      startS,
      endS,
      step: options.step,
      runs: options.runs,
      log,
    });
    headToHeadTable = `\n\n${renderHeadToHead(headToHead, prometheusVersion())}`;
  } else if (options.prometheus) {
    log('PromQL head-to-head skipped: no prometheus and promtool (Debian: apt-get install prometheus)');
  }

  const load: [number, number] = [loadBefore, loadavg()[0]!];
  const table = `${renderTable(rows, scaling)}${headToHeadTable}\n\n${machineLine(load)}`;
  return { rows, headToHead, scaling, load, table };
}

/** What the figures were measured on, and how busy it was (wall times mean little on a loaded machine). */
export function machineLine(load: [number, number]): string {
  const cores = cpus();
  return (
    `machine: ${cores.length} × ${cores[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
    `node ${process.version}; 1-minute load average ${load[0].toFixed(2)} before, ${load[1].toFixed(2)} after`
  );
}

function stepSeconds(step: string): number {
  const m = /^(\d+)([smh])$/.exec(step);
  if (!m) throw new Error(`--step: expected e.g. 60s, 1m (got "${step}")`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'];
}

function lastJson(stdout: string): Record<string, number> | undefined {
  const line = stdout.trim().split('\n').at(-1);
  if (!line?.startsWith('{')) return undefined;
  return JSON.parse(line) as Record<string, number>;
}

/** "3: 4.1–4.6 s" for a contender run several times (the row shows the median run), "1" otherwise. */
function runsCell(r: BenchRow): string {
  if (!r.walls) return '1';
  const lo = Math.min(...r.walls) / 1000;
  const hi = Math.max(...r.walls) / 1000;
  return `${r.walls.length}: ${lo.toFixed(2)}–${hi.toFixed(2)} s`;
}

const seconds = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(2)} s`);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const rate = (samples: number, ms: number) => `${(samples / (ms / 1000) / 1e6).toFixed(2)} M/s`;

function pad(cells: string[][]): string {
  const widths = cells[0]!.map((_, c) => Math.max(...cells.map((r) => r[c]!.length)));
  return cells
    .map((r) =>
      r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '),
    )
    .join('\n');
}

/** The figures, then ours : baseline for each pair that answers the same question. */
export function renderTable(rows: BenchRow[], scaling: ScalingRow[]): string {
  const lines: string[] = [];
  lines.push(
    pad([
      ['contender', 'wall', 'cpu', 'peak RSS', 'samples/s', 'runs (wall)'],
      ...rows.map((r) => [
        r.label,
        seconds(r.m.wallMs),
        seconds(r.m.cpuMs),
        mib(r.m.peakRssBytes),
        rate(r.samples, r.m.wallMs),
        runsCell(r),
      ]),
    ]),
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const pairs: [string, string[], string][] = [
    ['import vs DuckDB read_json', ['import'], 'read_json'],
    ['import + promql vs pandas', ['import', 'promql'], 'pandas'],
  ];
  const ratios: string[][] = [];
  const ratio = (ours: number, base: number, word: string) =>
    `${(ours / base).toFixed(3)} (${(base / ours).toFixed(1)}× ${word})`;
  for (const [label, ours, baseline] of pairs) {
    const base = byId.get(baseline);
    const mine = ours.map((id) => byId.get(id));
    if (!base || mine.some((r) => r === undefined)) continue;
    const wall = mine.reduce((sum, r) => sum + r!.m.wallMs, 0);
    const cpu = mine.every((r) => r!.m.cpuMs !== null) ? mine.reduce((sum, r) => sum + r!.m.cpuMs!, 0) : null;
    const rss = Math.max(...mine.map((r) => r!.m.peakRssBytes));
    ratios.push([
      label,
      ratio(wall, base.m.wallMs, 'faster'),
      cpu === null || base.m.cpuMs === null ? '-' : ratio(cpu, base.m.cpuMs, 'less'),
      ratio(rss, base.m.peakRssBytes, 'less'),
    ]);
  }
  if (ratios.length > 0)
    lines.push('', 'ours : baseline', pad([['pair', 'wall', 'cpu', 'peak RSS'], ...ratios]));
  if (scaling.length > 0) lines.push('', renderScaling(scaling));
  return lines.join('\n');
}

const perSample = (ms: number | null, samples: number) =>
  ms === null ? '-' : ((ms * 1000) / samples).toFixed(3);

/**
 * The least-squares slope of y over x: what one more sample costs, whatever the fixed cost
 * (start-up, the report's fixed parts) that a per-sample average at small sizes would include.
 */
export function slope(points: [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

/** One size's cells of the scaling table (also logged as each size ends). */
function scalingCells(r: ScalingRow): string[] {
  return [
    String(r.samples),
    seconds(r.import.m.wallMs),
    seconds(r.import.m.cpuMs),
    perSample(r.import.m.wallMs, r.samples),
    mib(r.import.m.peakRssBytes),
    seconds(r.report.m.wallMs),
    seconds(r.report.m.cpuMs),
    perSample(r.report.m.wallMs, r.samples),
    mib(r.report.m.peakRssBytes),
    `${r.load[0].toFixed(1)}–${r.load[1].toFixed(1)}`,
  ];
}

/** Import and report per size, then the slopes per sample (time and peak memory). */
function renderScaling(scaling: ScalingRow[]): string {
  const cells = [
    [
      'samples',
      'import wall',
      'cpu',
      'µs/sample',
      'peak RSS',
      'report wall',
      'cpu',
      'µs/sample',
      'peak RSS',
      'load avg',
    ],
    ...scaling.map(scalingCells),
  ];
  const lines = ['scaling of our import and report (µs/sample: wall time per sample)', pad(cells)];
  if (scaling.length >= 2) {
    const fit = (pick: (r: ScalingRow) => number | null) =>
      scaling.every((r) => pick(r) !== null) ? slope(scaling.map((r) => [r.samples, pick(r)!])) : null;
    const us = (msPerSample: number | null) => (msPerSample === null ? '-' : (msPerSample * 1000).toFixed(3));
    const bytes = (b: number | null) => (b === null ? '-' : b.toFixed(1));
    lines.push(
      '',
      'slope per sample (least squares over the sizes above)',
      pad([
        ['', 'wall µs', 'cpu µs', 'peak RSS bytes'],
        ...(['import', 'report'] as const).map((k) => [
          k,
          us(fit((r) => r[k].m.wallMs)),
          us(fit((r) => r[k].m.cpuMs)),
          bytes(fit((r) => r[k].m.peakRssBytes)),
        ]),
      ]),
    );
  }
  return lines.join('\n');
}
