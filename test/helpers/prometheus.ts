import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Debian's prometheus package (installed by .ci/run); tests that need it say so when it is missing. */
export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
export const PROMTOOL_BIN = process.env.PROMTOOL_BIN ?? '/usr/bin/promtool';
export const HAVE_PROMETHEUS = existsSync(PROMETHEUS_BIN) && existsSync(PROMTOOL_BIN);

/** A free TCP port on 127.0.0.1 (the kernel picks it; closed again before use). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Writes OpenMetrics text into TSDB blocks with `promtool tsdb create-blocks-from openmetrics`. */
export function backfill(openMetrics: string, dataDir: string): void {
  const input = join(dataDir, '..', 'backfill.om');
  writeFileSync(input, openMetrics);
  mkdirSync(dataDir, { recursive: true });
  const r = spawnSync(PROMTOOL_BIN, ['tsdb', 'create-blocks-from', 'openmetrics', input, dataDir], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`promtool failed (${r.status}): ${r.stderr}`);
}

export interface RunningPrometheus {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts Prometheus on 127.0.0.1 with the given data folder and scrape targets, waits for
 * /-/ready (bounded), and returns its URL. `stop` kills it (SIGTERM, then SIGKILL) and waits.
 */
export async function startPrometheus(options: {
  dir: string;
  dataDir: string;
  scrapeTargets?: string[];
  args?: string[];
  readyTimeoutMs?: number;
}): Promise<RunningPrometheus> {
  const port = await freePort();
  const config = join(options.dir, 'prometheus.yml');
  const targets = options.scrapeTargets ?? [];
  writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1m',
      'scrape_configs:',
      ...(targets.length > 0
        ? [
            '  - job_name: exposition',
            '    static_configs:',
            `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
          ]
        : []),
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${options.dataDir}`,
      // Backfilled blocks lie in the past: keep them well inside retention.
      '--storage.tsdb.retention.time=30d',
      `--web.listen-address=127.0.0.1:${port}`,
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const r = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      if (r.ok) return { url, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop();
  throw new Error(`prometheus did not become ready: ${log}`);
}

/** Polls until `check` returns true, or fails after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}
