/**
 * Rows of the pool models' views (src/models/pool/*.sql) as the deployment model's objects
 * (src/models/pool-types.ts): DuckDB's BIGINT/DOUBLE/NULL to numbers or null, unix ms to
 * unix seconds, quality checks to their messages.
 */
import * as msg from '../base/messages.js';
import { histogramQuantile } from './histogram.js';
import type {
  CowPhase,
  Lifecycle,
  MemoryModel,
  PhaseReport,
  WorkerExit,
  WorkerStartup,
} from './pool-types.js';

export type Row = Record<string, unknown>;

export function workerStartup(w: Row): WorkerStartup {
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

export function workerExit(e: Row): WorkerExit {
  const at = seconds(e.exit_ts)!;
  const start = seconds(e.replacement_start_ts);
  return {
    pid: Number(e.pid),
    process_key: String(e.process),
    at,
    replaced:
      e.replacement === null || e.replacement === undefined || start === null
        ? null
        : {
            pid: Number(e.replacement_pid),
            process_key: String(e.replacement),
            start,
            after_seconds: start - at,
          },
    workers_alive_after: num(e.workers_alive_after) ?? 0,
    short_seconds: num(e.short_seconds) ?? 0,
  };
}

/** A deployment's row of pool_lifecycle and its rows of pool_worker_lifecycle (in exit order). */
export function lifecycle(l: Row, exits: Row[]): Lifecycle {
  return {
    workers: num(l.workers) ?? 0,
    workers_at_stop: num(l.workers_at_stop) ?? 0,
    lost: exits.filter((e) => e.kind === 'lost').map(workerExit),
    recycled: {
      count: num(l.recycled) ?? 0,
      requests: num(l.requests),
      per_1000_requests: num(l.recycled_per_1000_requests),
      workers: exits.filter((e) => e.kind === 'recycled').map(workerExit),
    },
    start: {
      cpu_seconds_per_worker: num(l.start_cpu_seconds_per_worker),
      workers_measured: num(l.start_workers_measured) ?? 0,
      replacements: num(l.replacements) ?? 0,
      replacements_measured: num(l.start_replacements_measured) ?? 0,
      cpu_seconds_per_replacement: num(l.start_cpu_seconds_per_replacement),
      cpu_seconds_replacements: num(l.start_cpu_seconds_replacements),
    },
  };
}

/** The worker counts every memory model is projected to, besides the user's own (`report --workers`). */
export const PROJECTION_WORKERS = [1, 2, 4, 8, 16, 32] as const;

/** A row of pool_memory_models as a model, projected to `workers` (sorted, distinct). */
export function memoryModel(m: Row, workers: readonly number[]): MemoryModel {
  const shared = num(m.shared_bytes)!;
  const priv = num(m.private_bytes_per_worker)!;
  const range = (lo: unknown, hi: unknown): [number, number] => [num(lo)!, num(hi)!];
  return {
    phase: String(m.name),
    start: seconds(m.start_ts)!,
    end: seconds(m.end_ts)!,
    moments: num(m.moments)!,
    workers_alive: num(m.workers_alive)!,
    shared_bytes: shared,
    private_bytes_per_worker: priv,
    projection: workers.map((n) => ({ workers: n, pss_bytes: shared + n * priv })),
    pss_bytes: num(m.pss_bytes)!,
    rss_bytes: num(m.rss_bytes),
    rss_overcount: num(m.rss_overcount),
    pss_bytes_per_live_worker: num(m.pss_bytes_per_live_worker)!,
    worker_pss_bytes: num(m.worker_pss_bytes),
    worker_rss_bytes: num(m.worker_rss_bytes),
    worker_shared_fraction: num(m.worker_shared_fraction),
    ranges: {
      pss_bytes: range(m.pss_bytes_min, m.pss_bytes_max),
      pss_bytes_per_live_worker: range(m.pss_bytes_per_live_worker_min, m.pss_bytes_per_live_worker_max),
      private_bytes_per_worker: range(m.private_bytes_per_worker_min, m.private_bytes_per_worker_max),
    },
  };
}

/** The workers' figures of a phase's model, for the copy-on-write comparison. */
export function cowPhase(m: MemoryModel): CowPhase {
  return {
    phase: m.phase,
    start: m.start,
    worker_pss_bytes: m.worker_pss_bytes,
    private_bytes_per_worker: m.private_bytes_per_worker,
    worker_shared_fraction: m.worker_shared_fraction,
    pss_bytes: m.pss_bytes,
    workers_alive: m.workers_alive,
  };
}

/**
 * A phase's row of pool_phase_stats with its work (pool_phase_work) and its latency histogram's
 * bucket counts (pool_phase_latency_buckets) and its memory model (pool_memory_models);
 * vs_baseline is filled once the baseline is known.
 */
export function phaseReport(
  p: Row,
  work: Row = {},
  latencyBuckets: Row[] = [],
  model: MemoryModel | null = null,
): PhaseReport {
  const seconds_ = num(p.seconds) ?? 0;
  const requests = num(work.requests);
  const cpuSeconds = num(p.cores_mean) !== null ? num(p.cores_mean)! * seconds_ : null;
  const buckets = latencyBuckets.map((b) => ({
    upperBound: num(b.upper_bound) ?? Infinity,
    count: num(b.count) ?? 0,
  }));
  const fromHistogram = (q: number) => (buckets.length > 0 ? histogramQuantile(q, buckets) : null);
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
      model,
    },
    requests,
    requests_per_second: requests !== null && seconds_ > 0 ? requests / seconds_ : null,
    cpu_seconds_per_request:
      requests !== null && requests > 0 && cpuSeconds !== null ? cpuSeconds / requests : null,
    requests_source:
      work.requests_source === null || work.requests_source === undefined
        ? null
        : String(work.requests_source),
    requests_attributed: work.requests_attributed === true,
    latency_seconds: {
      p50: buckets.length > 0 ? fromHistogram(0.5) : num(work.load_latency_p50),
      p99: buckets.length > 0 ? fromHistogram(0.99) : num(work.load_latency_p99),
    },
    host: { cores: num(work.host_cores), idle_cores: num(work.host_idle_cores) },
    throttled_ratio: num(work.throttled_ratio),
    saturated: work.saturated === true,
    vs_baseline: null,
  };
}

export function qualityMessage(q: Row): string {
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
    case 'workers_lost':
      return msg.poolWorkersLost(count, detail, num(q.seconds) ?? 0);
    case 'counter_resets':
      return msg.poolCounterResets(count);
    case 'unknown_kind':
      return msg.poolUnknownKind(count, detail);
    case 'source_disagreement':
      return msg.poolSourceDisagreement(detail, num(q.ratio) ?? 0);
    case 'no_startup':
      return msg.poolNoStartup();
    case 'host_saturated':
      return msg.poolHostSaturated(detail, num(q.ratio) ?? 0, num(q.seconds) ?? 0, count);
    case 'container_throttled':
      return msg.poolContainerThrottled(detail, count, num(q.ratio) ?? 0);
    case 'requests_attributed': {
      const [file, phases] = detail.split('|');
      return msg.poolRequestsAttributed(file ?? '', count, phases ?? '');
    }
    default:
      throw new Error(`pool_quality: unknown check ${String(q.check)}`);
  }
}

export function groupBy(rows: Row[], key: string): Map<string, Row[]> {
  const out = new Map<string, Row[]>();
  for (const r of rows) {
    const k = String(r[key]);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

export function num(v: unknown): number | null {
  if (typeof v === 'bigint') return Number(v);
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Unix ms (number or bigint) to unix seconds. */
export function seconds(v: unknown): number | null {
  const ms = num(v);
  return ms === null ? null : ms / 1000;
}
