/**
 * What the deployment model gives per deployment (src/models/pool-report.ts builds it; the
 * report's JSON prints it under `deployments`). Field by field, with units and formulas:
 * docs/report-json.md.
 */
export interface MemoryTriple {
  rss_bytes: number | null;
  pss_bytes: number | null;
  uss_bytes: number | null;
}

/** One row of a memory model's projection: the pool's PSS with that many workers. */
export interface MemoryProjection {
  workers: number;
  /** shared_bytes + workers × private_bytes_per_worker */
  pss_bytes: number;
}

/**
 * The memory model of one phase (src/models/pool/185-memory-model.sql): the pool's PSS ≈
 * shared_bytes + N × private_bytes_per_worker, fitted over the phase's steady moments (no
 * worker starting or leaving), with the figures it was fitted to.
 */
export interface MemoryModel {
  /** The phase it was fitted on (name and start, unix s). */
  phase: string;
  start: number;
  end: number;
  /** Moments (model buckets) it was fitted over. */
  moments: number;
  /** Median over those moments of the workers alive (of an even number of moments, the lower middle value). */
  workers_alive: number;
  /** What the pool holds once however many workers it runs: median of Σ PSS − Σ worker USS. */
  shared_bytes: number;
  /** What one more worker adds: median of Σ worker USS ÷ workers alive. */
  private_bytes_per_worker: number;
  projection: MemoryProjection[];
  /** Medians over the moments: Σ PSS and Σ RSS of the pool, and Σ RSS ÷ Σ PSS. */
  pss_bytes: number;
  rss_bytes: number | null;
  rss_overcount: number | null;
  /** Median of Σ PSS ÷ workers alive: the pool's memory per live worker, the master's share included. */
  pss_bytes_per_live_worker: number;
  /** Per live worker, workers only (medians): PSS, RSS, and 1 − USS ÷ RSS (the part of their resident pages they share). */
  worker_pss_bytes: number | null;
  worker_rss_bytes: number | null;
  worker_shared_fraction: number | null;
  /** Smallest and largest value over the moments. */
  ranges: {
    pss_bytes: [number, number];
    pss_bytes_per_live_worker: [number, number];
    private_bytes_per_worker: [number, number];
  };
}

/** The workers' memory in one phase, for the copy-on-write comparison. */
export interface CowPhase {
  phase: string;
  start: number;
  worker_pss_bytes: number | null;
  private_bytes_per_worker: number;
  worker_shared_fraction: number | null;
  pss_bytes: number;
  workers_alive: number;
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
    /** The phase's memory model; null without steady moments with PSS and USS. */
    model: MemoryModel | null;
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
    /** The memory model fitted on the idle phase before the load (the clean baseline); null without one. */
    model: MemoryModel | null;
    /** The model of the load phase after it (the same object as that phase's), null without one. */
    load_model: MemoryModel | null;
    /** The workers' memory before and during the load (copy-on-write erosion); null without both models. */
    cow: { before: CowPhase; during: CowPhase } | null;
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
