/**
 * The deployment comparison: runs the pool models (src/models/pool/*.sql) and assembles
 * what `report --format json` prints under `deployments` and what the verdict table shows.
 * Steps, in order:
 *   1. read the --ready / --phase times (absolute, or relative to each deployment's start)
 *   2. load the pool models with them (pool-models.ts)
 *   3. read the steady-state, startup, restart, phase, agreement and quality views
 *   4. order by baseline and compute the deltas
 * Field by field, with units and formulas: docs/report-json.md.
 */
import { UsageError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { parseDurationMs, parseTimeArg } from '../base/time.js';
import type { TraceDatabase } from '../store/database.js';
import { applyBaseline as orderByBaseline, pick, relativeChange } from './baseline.js';
import { loadPoolModels, type PoolParameters, type PoolTime } from './pool-models.js';

export { pick, relativeChange };

/** `--phase [deployment/]name=start..end`, times not yet resolved (they may be relative to a deployment's start). */
export interface PhaseSpec {
  deployment?: string;
  name: string;
  start: string;
  end: string;
  /** The option text, for error messages. */
  text: string;
}

/** `--ready [deployment/]time`. */
export interface ReadySpec {
  deployment?: string;
  time: string;
}

export interface PoolReportOptions {
  baseline?: string;
  phases?: PhaseSpec[];
  ready?: ReadySpec[];
}

export interface MemoryTriple {
  rss_bytes: number | null;
  pss_bytes: number | null;
  uss_bytes: number | null;
}

export interface PhaseReport {
  name: string;
  start: number;
  end: number;
  seconds: number;
  /** true when given with --phase, false when detected from the CPU level. */
  overridden: boolean;
  workers_alive: number | null;
  cpu: {
    cores_mean: number | null;
    cores_p50: number | null;
    cores_p95: number | null;
    cores_max: number | null;
    user_cores_mean: number | null;
    system_cores_mean: number | null;
  };
  memory: MemoryTriple & {
    rss_overcount: number | null;
    worker_shared_fraction: number | null;
    /** Largest sum over the phase's moments (the processes alive at each). */
    peak: MemoryTriple;
  };
}

export interface WorkerStartup {
  pid: number;
  process_key: string;
  start: number | null;
  settled: number | null;
  start_delay_seconds: number | null;
  settle_seconds: number | null;
  cpu_seconds: number;
  replacement: boolean;
  memory: MemoryTriple;
}

export interface ProcessReport {
  pid: number;
  process_key: string;
  role: string;
  pool: string | null;
  start: number | null;
  /** First and last live sample (RSS > 0). */
  alive_from: number | null;
  alive_to: number | null;
  cpu_seconds: number | null;
  user_cpu_seconds: number | null;
  system_cpu_seconds: number | null;
  /** CPU its reaped children used after their last sample (/proc's cutime/cstime), not in cpu_seconds. */
  reaped_children_cpu_seconds: number | null;
  /** A worker that ended before the deployment did (killed, crashed or recycled). */
  exited_early: boolean;
}

export interface SourceAgreement {
  quantity: string;
  used: string;
  other: string;
  pairs: number;
  rel_diff_median: number | null;
  rel_diff_p95: number | null;
}

export interface DeploymentReport {
  name: string;
  start: number;
  end: number;
  /** Largest number of worker processes alive at once: the pool size. */
  workers: number;
  /** Workers that exited early and were replaced. */
  restarts: number;
  /** Workers that exited early and were not replaced (a zombie is not alive). */
  workers_lost: number;
  processes: number;
  startup: {
    seconds: number | null;
    cpu_seconds_per_worker: number | null;
    cpu_seconds: number | null;
    settled: number | null;
    from_ready: boolean;
    workers: WorkerStartup[];
  };
  steady: { start: number; end: number; seconds: number };
  /** The whole span (start..end): CPU-seconds of every process, mean cores, p95 and peak of the grid's buckets. */
  window: {
    seconds: number;
    cpu_seconds: number | null;
    cores_mean: number | null;
    cores_p95: number | null;
    cores_max: number | null;
  };
  cpu: {
    cores_mean: number | null;
    cores_p50: number | null;
    cores_p95: number | null;
    cores_max: number | null;
    user_cores_mean: number | null;
    system_cores_mean: number | null;
    by_role: { master: number | null; workers: number | null; helpers: number | null };
  };
  memory: MemoryTriple & {
    per_worker: MemoryTriple;
    workers_alive: number | null;
    rss_overcount: number | null;
    worker_shared_fraction: number | null;
    /** Per live worker, workers only: resident, proportional and private bytes; shared = rss − uss. */
    worker: MemoryTriple & { shared_bytes: number | null };
    /** False when the data has no PSS (psrecord, plain RSS exporters): RSS sums are not comparable with PSS sums. */
    pss_available: boolean;
    /** Largest sums over the steady state's moments (the processes alive at each). */
    steady_peak: MemoryTriple & { rss_bytes_at_pss_peak: number | null };
  };
  phases: PhaseReport[];
  /** Every process of the deployment, in start order: its role, lifetime and CPU-seconds. */
  process_list: ProcessReport[];
  sources: SourceAgreement[];
  /** Data-quality findings: `check` names the kind (scrape_gaps, short_phase, missing_pss, ...), `message` words it. */
  quality: { check: string; message: string }[];
  /** Relative change against the baseline per numeric field (dotted path); null for the baseline itself. */
  delta: Record<string, number | null> | null;
  /** Absolute change against the baseline, same keys. */
  delta_absolute: Record<string, number | null> | null;
}

export interface PoolReport {
  baseline: string;
  deployments: DeploymentReport[];
}

/** The numeric fields that get a delta against the baseline. */
export const DELTA_FIELDS = [
  'window.cpu_seconds',
  'window.cores_mean',
  'window.cores_p95',
  'memory.steady_peak.rss_bytes',
  'memory.steady_peak.pss_bytes',
  'memory.steady_peak.uss_bytes',
  'workers',
  'restarts',
  'workers_lost',
  'startup.seconds',
  'startup.cpu_seconds_per_worker',
  'startup.cpu_seconds',
  'cpu.cores_mean',
  'cpu.cores_p95',
  'memory.rss_bytes',
  'memory.pss_bytes',
  'memory.uss_bytes',
  'memory.per_worker.rss_bytes',
  'memory.per_worker.pss_bytes',
  'memory.per_worker.uss_bytes',
] as const;

type Row = Record<string, unknown>;

/** Builds the comparison. The database file is not written (parameters and model rows are temporary). */
export async function buildPoolReport(
  db: TraceDatabase,
  options: PoolReportOptions = {},
): Promise<PoolReport> {
  const imported = await importOrder(db);
  await loadPoolModels(db, parameters(imported, options));
  const spans = await db.rowsJS('SELECT deployment, start_ts, end_ts FROM pool_span ORDER BY deployment');
  if (spans.length === 0) return { baseline: options.baseline ?? imported[0] ?? '', deployments: [] };

  const byName = async (sql: string) => groupBy(await db.rowsJS(sql), 'deployment');
  const steady = await byName('SELECT * FROM pool_steady_stats');
  const totals = await byName('SELECT * FROM pool_deployment_totals');
  const startup = await byName('SELECT * FROM pool_startup');
  const workers = await byName(
    'SELECT * FROM pool_worker_startup ORDER BY coalesce(start_ts, 0), pid, process',
  );
  const restarts = await byName('SELECT * FROM pool_restarts');
  const phases = await byName('SELECT * FROM pool_phase_stats ORDER BY start_ts, end_ts, name');
  const processes = await byName(
    'SELECT * FROM pool_process_totals ORDER BY coalesce(start_ts, alive_from), pid, process',
  );
  const agreement = await byName(
    'SELECT * FROM pool_source_agreement ORDER BY quantity, source, chosen_source',
  );
  const quality = await byName('SELECT * FROM pool_quality ORDER BY "check", detail, count, seconds, ratio');
  const pss = new Set(
    (
      await db.rowsJS(`SELECT DISTINCT deployment FROM pool_quantity_series WHERE quantity = 'pss_bytes'`)
    ).map((r) => String(r.deployment)),
  );

  const deployments = spans.map((span) => {
    const name = String(span.deployment);
    const s = steady.get(name)?.[0] ?? {};
    const st = startup.get(name)?.[0] ?? {};
    const r = restarts.get(name)?.[0] ?? {};
    const w = totals.get(name)?.[0] ?? {};
    const report: DeploymentReport = {
      name,
      start: seconds(span.start_ts)!,
      end: seconds(span.end_ts)!,
      workers: num(r.workers) ?? 0,
      restarts: num(r.restarts) ?? 0,
      workers_lost: num(r.workers_lost) ?? 0,
      processes: num(r.processes) ?? 0,
      startup: {
        seconds: num(st.seconds),
        cpu_seconds_per_worker: num(st.cpu_seconds_per_worker),
        cpu_seconds: num(st.cpu_seconds),
        settled: seconds(st.settled_ts),
        from_ready: st.from_ready === true,
        workers: (workers.get(name) ?? []).map(workerStartup),
      },
      steady: { start: seconds(s.start_ts)!, end: seconds(s.end_ts)!, seconds: num(s.seconds) ?? 0 },
      window: {
        seconds: num(w.seconds) ?? 0,
        cpu_seconds: num(w.cpu_seconds),
        cores_mean: num(w.cores_mean),
        cores_p95: num(w.cores_p95),
        cores_max: num(w.cores_max),
      },
      cpu: {
        cores_mean: num(s.cores_mean),
        cores_p50: num(s.cores_p50),
        cores_p95: num(s.cores_p95),
        cores_max: num(s.cores_max),
        user_cores_mean: num(s.user_cores_mean),
        system_cores_mean: num(s.system_cores_mean),
        by_role: {
          master: num(s.master_cores_mean),
          workers: num(s.worker_cores_mean),
          helpers: num(s.helper_cores_mean),
        },
      },
      memory: {
        rss_bytes: num(s.rss_bytes),
        pss_bytes: num(s.pss_bytes),
        uss_bytes: num(s.uss_bytes),
        per_worker: {
          rss_bytes: num(s.rss_bytes_per_worker),
          pss_bytes: num(s.pss_bytes_per_worker),
          uss_bytes: num(s.uss_bytes_per_worker),
        },
        workers_alive: num(s.workers_alive),
        rss_overcount: num(s.rss_overcount),
        worker_shared_fraction: num(s.worker_shared_fraction),
        worker: {
          rss_bytes: num(s.worker_rss_bytes),
          pss_bytes: num(s.worker_pss_bytes),
          uss_bytes: num(s.worker_uss_bytes),
          shared_bytes:
            num(s.worker_rss_bytes) !== null && num(s.worker_uss_bytes) !== null
              ? num(s.worker_rss_bytes)! - num(s.worker_uss_bytes)!
              : null,
        },
        pss_available: pss.has(name),
        steady_peak: {
          rss_bytes: num(w.rss_bytes_peak),
          pss_bytes: num(w.pss_bytes_peak),
          uss_bytes: num(w.uss_bytes_peak),
          rss_bytes_at_pss_peak: num(w.rss_bytes_at_pss_peak),
        },
      },
      phases: (phases.get(name) ?? []).map(phaseReport),
      process_list: (processes.get(name) ?? []).map((p) => ({
        pid: Number(p.pid),
        process_key: String(p.process),
        role: String(p.role),
        pool: p.pool === null || p.pool === undefined ? null : String(p.pool),
        start: seconds(p.start_ts),
        alive_from: seconds(p.alive_from),
        alive_to: seconds(p.alive_to),
        cpu_seconds: num(p.cpu_seconds),
        user_cpu_seconds: num(p.user_cpu_seconds),
        system_cpu_seconds: num(p.system_cpu_seconds),
        reaped_children_cpu_seconds: num(p.reaped_children_cpu_seconds),
        exited_early: p.exited_early === true,
      })),
      sources: (agreement.get(name) ?? []).map((a) => ({
        quantity: String(a.quantity),
        used: String(a.chosen_source),
        other: String(a.source),
        pairs: num(a.pairs) ?? 0,
        rel_diff_median: num(a.rel_diff_median),
        rel_diff_p95: num(a.rel_diff_p95),
      })),
      quality: (quality.get(name) ?? []).map((q) => ({ check: String(q.check), message: qualityMessage(q) })),
      delta: null,
      delta_absolute: null,
    };
    return report;
  });
  return applyBaseline(deployments, await importOrder(db), options.baseline);
}

/** The --ready and --phase options as model parameters; a named deployment must exist. */
function parameters(names: string[], options: PoolReportOptions): PoolParameters {
  const deployment = (name: string | undefined, option: string) => {
    if (name === undefined) return null;
    if (!names.includes(name)) throw new UsageError(msg.poolUnknownDeployment(option, name, names));
    return name;
  };
  return {
    ready: (options.ready ?? []).map((r) => ({
      deployment: deployment(r.deployment, '--ready'),
      time: poolTime(r.time, '--ready'),
    })),
    phases: (options.phases ?? []).map((p) => {
      const start = poolTime(p.start, '--phase');
      const end = poolTime(p.end, '--phase');
      if (start.relative === end.relative && end.ms <= start.ms)
        throw new UsageError(msg.poolEmptyPhase(p.text));
      return { deployment: deployment(p.deployment, '--phase'), name: p.name, start, end };
    }),
  };
}

/** A duration (`20s`, `1m30s`) counts from the deployment's start; anything else is an absolute time. */
function poolTime(text: string, option: string): PoolTime {
  const offset = parseDurationMs(text.trim());
  if (offset !== undefined) return { ms: offset, relative: true };
  return { ms: parseTimeArg(text, option), relative: false };
}

async function importOrder(db: TraceDatabase): Promise<string[]> {
  const rows = await db.rowsJS('SELECT deployment FROM imports GROUP BY 1 ORDER BY min(import_id)');
  return rows.map((r) => String(r.deployment));
}

/** Puts the baseline (--baseline, else the first imported) first and fills every other deployment's deltas. */
export function applyBaseline(
  deployments: DeploymentReport[],
  importOrder: string[],
  baseline: string | undefined,
): PoolReport {
  const { baseline: chosen, ordered } = orderByBaseline(
    deployments,
    importOrder,
    baseline,
    DELTA_FIELDS,
    (b, names) => new UsageError(msg.poolUnknownBaseline(b, names)),
  );
  for (const { deployment, message } of rangeMismatches(ordered))
    ordered.find((d) => d.name === deployment)!.quality.push({ check: 'time_range_mismatch', message });
  return { baseline: chosen, deployments: ordered };
}

/** Deployments (after the baseline, which comes first) whose steady state is over 25 % longer or 20 % shorter than the baseline's. */
export function rangeMismatches(
  ordered: { name: string; steady: { seconds: number } }[],
): { deployment: string; message: string }[] {
  const [base, ...others] = ordered;
  if (base === undefined) return [];
  return others.flatMap((d) => {
    const ratio = base.steady.seconds > 0 ? d.steady.seconds / base.steady.seconds : 1;
    return ratio > 1.25 || ratio < 0.8
      ? [
          {
            deployment: d.name,
            message: msg.poolTimeRangeMismatch(d.steady.seconds, base.name, base.steady.seconds),
          },
        ]
      : [];
  });
}

function workerStartup(w: Row): WorkerStartup {
  return {
    pid: Number(w.pid),
    process_key: String(w.process),
    start: seconds(w.start_ts),
    settled: seconds(w.settled_ts),
    start_delay_seconds: num(w.start_delay_seconds),
    settle_seconds: num(w.settle_seconds),
    cpu_seconds: num(w.cpu_seconds) ?? 0,
    replacement: w.replacement === true,
    memory: { rss_bytes: num(w.rss_bytes), pss_bytes: num(w.pss_bytes), uss_bytes: num(w.uss_bytes) },
  };
}

function phaseReport(p: Row): PhaseReport {
  return {
    name: String(p.name),
    start: seconds(p.start_ts)!,
    end: seconds(p.end_ts)!,
    seconds: num(p.seconds) ?? 0,
    overridden: p.overridden === true,
    workers_alive: num(p.workers_alive),
    cpu: {
      cores_mean: num(p.cores_mean),
      cores_p50: num(p.cores_p50),
      cores_p95: num(p.cores_p95),
      cores_max: num(p.cores_max),
      user_cores_mean: num(p.user_cores_mean),
      system_cores_mean: num(p.system_cores_mean),
    },
    memory: {
      rss_bytes: num(p.rss_bytes),
      pss_bytes: num(p.pss_bytes),
      uss_bytes: num(p.uss_bytes),
      rss_overcount: num(p.rss_overcount),
      worker_shared_fraction: num(p.worker_shared_fraction),
      peak: {
        rss_bytes: num(p.rss_bytes_peak),
        pss_bytes: num(p.pss_bytes_peak),
        uss_bytes: num(p.uss_bytes_peak),
      },
    },
  };
}

function qualityMessage(q: Row): string {
  const count = num(q.count) ?? 0;
  const detail = q.detail === null || q.detail === undefined ? '' : String(q.detail);
  switch (q.check) {
    case 'scrape_gaps':
      return msg.poolScrapeGaps(count, num(q.seconds) ?? 0);
    case 'short_phase':
      return msg.poolShortPhase(detail, num(q.seconds) ?? 0);
    case 'missing_pss':
      return msg.poolMissingPss(detail);
    case 'missing_uss':
      return msg.poolMissingUss(detail);
    case 'pid_churn':
      return msg.poolPidChurn(count);
    case 'counter_resets':
      return msg.poolCounterResets(count);
    case 'unknown_kind':
      return msg.poolUnknownKind(count, detail);
    case 'source_disagreement':
      return msg.poolSourceDisagreement(detail, num(q.ratio) ?? 0);
    case 'no_startup':
      return msg.poolNoStartup();
    default:
      throw new Error(`pool_quality: unknown check ${String(q.check)}`);
  }
}

function groupBy(rows: Row[], key: string): Map<string, Row[]> {
  const out = new Map<string, Row[]>();
  for (const r of rows) {
    const k = String(r[key]);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

function num(v: unknown): number | null {
  if (typeof v === 'bigint') return Number(v);
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Unix ms (number or bigint) to unix seconds. */
function seconds(v: unknown): number | null {
  const ms = num(v);
  return ms === null ? null : ms / 1000;
}
