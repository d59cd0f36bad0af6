/**
 * The Prometheus side of the PromQL head-to-head (bench/head-to-head.ts): the bench's input
 * written as OpenMetrics and backfilled into TSDB blocks with Debian's promtool (once, kept in
 * the data folder), and a Prometheus server over those blocks on 127.0.0.1:19090, started for
 * one query and stopped by its pid.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeOpenMetrics, type PromJsonShape } from './generate.js';
import { rssBytes } from './measure.js';

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
export const PROMTOOL_BIN = process.env.PROMTOOL_BIN ?? '/usr/bin/promtool';
/** The only address the bench's Prometheus listens on. */
export const PROMETHEUS_ADDRESS = '127.0.0.1:19090';

export function havePrometheus(): boolean {
  return existsSync(PROMETHEUS_BIN) && existsSync(PROMTOOL_BIN);
}

/** `prometheus --version`'s first line, e.g. "prometheus, version 2.42.0+ds (…)". */
export function prometheusVersion(): string {
  const r = spawnSync(PROMETHEUS_BIN, ['--version'], { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`.split('\n')[0]!.trim();
}

/**
 * TSDB blocks holding the generated input (the same samples as the prom-json file of this shape,
 * plus `extraLabels` on every series), made unless already there: OpenMetrics text into a
 * temporary file, `promtool tsdb create-blocks-from openmetrics`, the text removed again.
 * Blocks span up to 24 h (promtool's --max-block-duration; Prometheus compacts to such sizes
 * itself), so a query reads few of them, as it would on a server that has run for a while.
 */
export async function prometheusBlocks(
  dataDir: string,
  shape: Required<Pick<PromJsonShape, 'series' | 'points' | 'startMs' | 'intervalMs'>>,
  extraLabels: Record<string, string>,
  log: (line: string) => void,
): Promise<string> {
  const path = join(dataDir, `prometheus-${shape.series}x${shape.points}`);
  if (existsSync(path)) return path;
  const partial = `${path}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const text = join(dataDir, `prom-${shape.series}x${shape.points}.om`);
  try {
    log(`writing ${shape.series * shape.points} samples as OpenMetrics for promtool`);
    await writeOpenMetrics(text, shape, extraLabels);
    log('backfilling them with promtool tsdb create-blocks-from openmetrics');
    const r = spawnSync(
      PROMTOOL_BIN,
      ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=24h', text, partial],
      { encoding: 'utf8', maxBuffer: 1 << 26 },
    );
    if (r.status !== 0)
      throw new Error(`promtool failed (exit ${r.status}): ${r.stderr.trim().slice(-2000)}`);
  } finally {
    rmSync(text, { force: true });
  }
  renameSync(partial, path);
  return path;
}

export interface PrometheusRun {
  /** From spawning the server to /-/ready answering 200, ms. */
  startupMs: number;
  /** Each query's answer (the HTTP body, Prometheus' API JSON) and its HTTP round trip, ms. */
  answers: { body: string; queryMs: number }[];
  /** Peak RSS of the server (polled every 20 ms), bytes. */
  peakRssBytes: number;
  /** User + system CPU of the server from its start to the last answer, ms (/proc/<pid>/stat). */
  cpuMs: number;
}

/** utime + stime of a process, ms (fields 14 and 15 of /proc/<pid>/stat, in clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Starts Prometheus over `blocks` (its head and WAL go into the same folder; the blocks are only
 * read), waits for /-/ready, asks each query through the HTTP API in turn (`paths`, each with its
 * query string, e.g. /api/v1/query_range?…), and stops the server by its pid. Bounded: the
 * server is killed after `timeoutMs` whatever happens.
 */
export async function askPrometheus(
  blocks: string,
  workDir: string,
  paths: string[],
  timeoutMs = 600_000,
): Promise<PrometheusRun> {
  const base = `http://${PROMETHEUS_ADDRESS}`;
  // Another server on the address would answer in ours' place.
  const taken = await fetch(`${base}/-/ready`, { signal: AbortSignal.timeout(1000) }).then(
    () => true,
    () => false,
  );
  if (taken) throw new Error(`${PROMETHEUS_ADDRESS} is already in use: stop what listens there first`);
  mkdirSync(workDir, { recursive: true });
  const config = join(workDir, 'prometheus.yml');
  writeFileSync(config, 'global:\n  scrape_interval: 1m\nscrape_configs: []\n');
  const started = performance.now();
  const child = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${blocks}`,
      // The backfilled blocks lie in the past: keep them inside retention.
      '--storage.tsdb.retention.time=100y',
      `--web.listen-address=${PROMETHEUS_ADDRESS}`,
      // The bench's range queries span the whole input.
      '--query.max-samples=500000000',
      '--query.timeout=10m',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let peak = 0;
  const poll = setInterval(() => {
    if (child.pid !== undefined) peak = Math.max(peak, rssBytes(child.pid));
  }, 20);
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    let startupMs = -1;
    while (startupMs < 0) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`prometheus exited before it was ready: ${log.trim().slice(-1000)}`);
      try {
        const r = await fetch(`${base}/-/ready`, { signal: AbortSignal.timeout(1000) });
        if (r.ok) startupMs = performance.now() - started;
      } catch {
        // not listening yet
      }
      if (startupMs < 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const answers: PrometheusRun['answers'] = [];
    for (const path of paths) {
      const asked = performance.now();
      const response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
      const body = await response.text();
      if (!response.ok && response.status !== 400 && response.status !== 422)
        throw new Error(`prometheus answered ${response.status}: ${body.slice(0, 500)}`);
      answers.push({ body, queryMs: performance.now() - asked });
    }
    return { startupMs, answers, peakRssBytes: peak, cpuMs: cpuMsOf(child.pid!) };
  } finally {
    clearInterval(poll);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const hard = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(hard);
    }
    clearTimeout(killer);
  }
}
