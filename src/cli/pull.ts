import type { Command } from 'commander';
import { UsageError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { parseDurationArg, parseTimeArg } from '../base/time.js';
import { PromClient, parseHeaders } from '../pull/client.js';
import { importPull, writePullFile } from '../pull/load.js';
import { pull } from '../pull/pull.js';
import { importMemoryLimitBytes, TraceDatabase } from '../store/database.js';

interface PullOptions {
  url: string;
  match: string[];
  start: string;
  end: string;
  out?: string;
  db?: string;
  deployment?: string;
  chunk: string;
  header: string[];
  retries: string;
  timeout: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerPull(program: Command): void {
  program
    .command('pull')
    .description('fetch the stored raw samples of a window from a live Prometheus (not re-sampled)')
    .requiredOption('--url <url>', 'base URL of the Prometheus HTTP API, e.g. http://localhost:9090')
    .requiredOption('--match <selector>', 'series selector, e.g. \'{job="web"}\' (repeatable)', collect, [])
    .requiredOption('--start <time>', 'window start, included (RFC 3339 or unix seconds)')
    .requiredOption(
      '--end <time>',
      'window end, included (RFC 3339, unix seconds, or a duration after --start)',
    )
    .option('--out <file>', 'write a prom-json file that trace-analyze import reads')
    .option('--db <file>', 'import directly into this DuckDB database (created if missing)')
    .option('--deployment <name>', 'deployment the data belongs to (with --db)')
    .option('--chunk <dur>', 'time span of one query; halved automatically when the server refuses it', '1h')
    .option(
      '--header <line>',
      "request header 'Name: value', e.g. for auth (repeatable, never logged)",
      collect,
      [],
    )
    .option('--retries <n>', 'extra attempts after a transient HTTP failure', '3')
    .option('--timeout <dur>', 'time limit of one request', '2m')
    .action(async (options: PullOptions) => {
      const toFile = options.out !== undefined;
      const toDb = options.db !== undefined;
      if (toFile === toDb || (toDb && !options.deployment?.trim()) || (toFile && options.deployment))
        throw new UsageError(msg.pullOutOrDb());
      const start = parseTimeArg(options.start, '--start');
      const end = parseTimeArg(options.end, '--end', start);
      if (end <= start) throw new UsageError(msg.pullBadWindow());
      const retries = Number(options.retries);
      if (!Number.isInteger(retries) || retries < 0 || retries > 10)
        throw new UsageError(msg.pullBadRetries(options.retries));
      const client = new PromClient({
        url: options.url,
        headers: parseHeaders(options.header),
        retries,
        timeoutMs: parseDurationArg(options.timeout, '--timeout'),
      });

      const progress = chunkProgress();
      let result;
      try {
        result = await pull({
          client,
          matches: options.match,
          start,
          end,
          chunkMs: parseDurationArg(options.chunk, '--chunk'),
          onProgress: progress.update,
          onNotice: (text) => {
            progress.clear();
            process.stderr.write(`  note: ${text}\n`);
          },
        });
      } finally {
        progress.clear();
      }

      if (options.out !== undefined) {
        await writePullFile(options.out, result);
        process.stderr.write(
          `${msg.pullDone(result.series.length, result.samples, result.chunks, options.out)}\n`,
        );
        return;
      }
      const deployment = options.deployment!;
      const db = await TraceDatabase.open(options.db!, {
        create: true,
        memoryLimit: importMemoryLimitBytes(),
      });
      try {
        const label = `${client.displayUrl} ${options.match.join(' ')} ${new Date(start).toISOString()}/${new Date(end).toISOString()}`;
        const r = await importPull(db, deployment, label, result);
        process.stderr.write(
          r.status === 'noop'
            ? `${msg.importNoop(label, deployment, r.importId)}\n`
            : `${msg.pullDone(r.series, r.samples, result.chunks, `deployment "${deployment}" of ${options.db}`)}\n`,
        );
        if (r.status === 'imported') for (const w of r.warnings) process.stderr.write(`  warning: ${w}\n`);
      } finally {
        db.close();
      }
    });
}

/** A progress line on stderr while chunks arrive, only when stderr is a terminal. */
function chunkProgress(): {
  update: (done: number, total: number, samples: number) => void;
  clear: () => void;
} {
  if (!process.stderr.isTTY) return { update: () => {}, clear: () => {} };
  let shown = false;
  return {
    update(done, total, samples) {
      shown = true;
      process.stderr.write(`\r${msg.pullProgress(done, total, samples)}\u001b[K`);
    },
    clear() {
      if (shown) process.stderr.write('\r\u001b[K');
      shown = false;
    },
  };
}
