import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CliError, UsageError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { parseDurationMs } from '../base/time.js';
import { runExperiment } from '../experiment/experiment.js';
import type { LoadSpec } from '../experiment/load.js';
import { REPORT_FORMATS, type ReportFormat } from '../report/report.js';
import { collect } from './pool-options.js';
import { VERSION } from './version.js';

interface ExperimentCliOptions {
  out: string;
  deployment: string[];
  ready: string;
  readyTimeout: string;
  load?: string;
  rate?: string;
  duration?: string;
  url?: string;
  connections: string;
  idle: string;
  after: string;
  runs: string;
  killWorkerAt?: string;
  interval: string;
  grace: string;
  cwd?: string;
  env: string[];
  format: string;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function registerExperiment(program: Command): void {
  program
    .command('experiment')
    .description(
      'run each deployment of an app in turn under the same load, record /proc snapshots and a timeline, and write the report',
    )
    .requiredOption('--out <dir>', 'folder to write the experiment into (new or empty)')
    .requiredOption(
      '--deployment <name=command>',
      'a deployment: its name and the command that starts the server; repeatable, run in this order',
      collect,
      [],
    )
    .requiredOption('--ready <url>', 'http:// URL that answers 2xx once the server is ready')
    .option('--ready-timeout <dur>', 'give up on a deployment not ready after this long', '60s')
    .option('--load <command>', 'the load: any command (wrk, hey, k6 ...), run through /bin/sh')
    .option('--rate <n>', 'built-in load: requests per second (autocannon)')
    .option('--duration <dur>', 'built-in load: how long')
    .option('--url <url>', 'built-in load: the URL to request (default: --ready)')
    .option('--connections <n>', 'built-in load: at most this many requests in flight', '10')
    .option('--idle <dur>', 'idle time between ready and the load', '20s')
    .option('--after <dur>', 'idle time after the load, before the server is stopped', '30s')
    .option('--runs <n>', 'run the deployments this many times, interleaved (A B A B ...)', '1')
    .option('--kill-worker-at <dur>', 'SIGKILL one worker this long after the load starts')
    .option('--interval <dur>', 'time between /proc snapshots', '1s')
    .option('--grace <dur>', 'time between SIGTERM and SIGKILL when stopping a server', '10s')
    .option('--cwd <dir>', 'working folder of the servers and the load command')
    .option(
      '--env <K=V>',
      'an environment variable for the servers and the load command; repeatable',
      collect,
      [],
    )
    .option('--format <fmt>', 'also write the report as md or json (report.html is always written)', 'html')
    .action(async (options: ExperimentCliOptions) => {
      const parsed = parseOptions(options);
      if (existsSync(options.out) && readdirSync(options.out).length > 0)
        throw new CliError(msg.experimentOutNotEmpty(options.out));
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let timeline;
      try {
        timeline = await runExperiment({ ...parsed, version: VERSION }, abort.signal);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      const completed = timeline.runs.filter((r) => r.outcome === 'completed').length;
      if (completed > 0) {
        // loaded only now: the report's modules (DuckDB, vega) take a while to load
        const { reportOnFolders } = await import('./report.js');
        const formats: ReportFormat[] =
          options.format === 'html' ? ['html'] : ['html', options.format as ReportFormat];
        for (const format of formats) {
          const text = await reportOnFolders([options.out], { format, ready: [], phases: [] });
          writeFileSync(join(options.out, `report.${format}`), text);
        }
      }
      if (timeline.outcome !== 'completed')
        throw new CliError(
          msg.experimentStopped(timeline.reason ?? timeline.outcome, completed, options.out),
        );
      process.stderr.write(
        `${msg.experimentDone(options.out, completed, join(options.out, 'report.html'))}\n`,
      );
    });
}

function parseOptions(o: ExperimentCliOptions) {
  if (!(REPORT_FORMATS as readonly string[]).includes(o.format))
    throw new UsageError(msg.unknownFormat('--format', o.format, REPORT_FORMATS));
  const deployments = o.deployment.map((text) => {
    const eq = text.indexOf('=');
    const name = text.slice(0, eq).trim();
    const command = text.slice(eq + 1).trim();
    if (eq < 0 || !NAME_RE.test(name) || command === '')
      throw new UsageError(msg.experimentBadDeployment(text));
    return { name, command };
  });
  const names = new Set<string>();
  for (const d of deployments) {
    if (names.has(d.name)) throw new UsageError(msg.experimentDuplicateDeployment(d.name));
    names.add(d.name);
  }
  const duration = (option: string, text: string, allowZero = false) => {
    const ms = parseDurationMs(text);
    if (ms === undefined || (!allowZero && ms === 0)) throw new UsageError(msg.badDuration(option, text));
    return ms;
  };
  const count = (option: string, text: string) => {
    if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(msg.experimentBadCount(option, text));
    return Number(text);
  };
  const url = (option: string, text: string) => {
    let u: URL;
    try {
      u = new URL(text);
    } catch {
      throw new UsageError(msg.experimentBadUrl(option, text));
    }
    if (u.protocol !== 'http:') throw new UsageError(msg.experimentBadUrl(option, text));
    return u;
  };
  const readyUrl = url('--ready', o.ready);
  const builtin = o.rate !== undefined || o.duration !== undefined || o.url !== undefined;
  if ((o.load !== undefined) === builtin || (builtin && (o.rate === undefined || o.duration === undefined)))
    throw new UsageError(msg.experimentLoadChoice());
  const load: LoadSpec =
    o.load !== undefined
      ? { kind: 'command', command: o.load }
      : {
          kind: 'builtin',
          url: o.url !== undefined ? url('--url', o.url) : readyUrl,
          rate: count('--rate', o.rate!),
          durationMs: duration('--duration', o.duration!),
          connections: count('--connections', o.connections),
        };
  const killWorkerAtMs =
    o.killWorkerAt === undefined ? undefined : duration('--kill-worker-at', o.killWorkerAt);
  if (killWorkerAtMs !== undefined && load.kind === 'builtin' && killWorkerAtMs >= load.durationMs)
    throw new UsageError(msg.experimentKillAfterLoad(o.killWorkerAt!, o.duration!));
  const env: Record<string, string> = {};
  for (const text of o.env) {
    const eq = text.indexOf('=');
    if (eq <= 0) throw new UsageError(msg.experimentBadEnv(text));
    env[text.slice(0, eq)] = text.slice(eq + 1);
  }
  return {
    out: o.out,
    deployments,
    readyUrl,
    readyTimeoutMs: duration('--ready-timeout', o.readyTimeout),
    load,
    idleMs: duration('--idle', o.idle, true),
    afterMs: duration('--after', o.after, true),
    runs: count('--runs', o.runs),
    killWorkerAtMs,
    intervalMs: duration('--interval', o.interval),
    graceMs: duration('--grace', o.grace, true),
    cwd: o.cwd,
    env,
  };
}
