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
  /** Requests served in the phase (src/models/pool/185-work.sql); null without a request count in the data. */
  requests: number | null;
  requests_per_second: number | null;
  /** The phase's CPU-seconds (cores_mean × seconds) per request. */
  cpu_seconds_per_request: number | null;
  /** Where the requests were counted: the catalog source (`prometheus_client`, …, `load-tool`). */
  requests_source: string | null;
  /** true when a load tool's summary without a clock time was attributed to this load phase. */
  requests_attributed: boolean;
  /** From the app's duration histogram in the phase, else the load tool's quantiles for its run. */
  latency_seconds: { p50: number | null; p99: number | null };
  /** The host's CPUs and the cores it left idle on average in the phase (node_cpu_seconds_total{mode="idle"}). */
  host: { cores: number | null; idle_cores: number | null };
  /** Share of the container's CFS periods throttled in the phase (null: no quota in the data). */
  throttled_ratio: number | null;
  /**
   * The host's idle CPU or the container's quota was exhausted in the phase: its CPU measures
   * the capacity left, not the cost of the work (docs/design.md, "Saturation").
   */
  saturated: boolean;
  /** Against the baseline's phase of the same name and rank, with 95 % intervals (null for the baseline). */
  vs_baseline: PhaseComparison | null;
}

/** A relative change against the baseline with its bootstrap interval (src/models/interval.ts). */
export interface ChangeWithInterval {
  change: number;
  low: number;
  high: number;
  /** The interval excludes 0. */
  measurable: boolean;
}

/**
 * One memory model's figures against another's (the relative change of each, with its 95 %
 * block-bootstrap interval over the two phases' steady moments: src/models/interval.ts).
 */
export interface MemoryChange {
  /** The model compared with: its deployment, phase and the phase's start and end (unix s). */
  against: { deployment: string; phase: string; start: number; end: number };
  /** The pool's Σ PSS. */
  pss_bytes: ChangeWithInterval | null;
  /** Σ worker USS ÷ workers alive: what one more worker adds. */
  private_bytes_per_worker: ChangeWithInterval | null;
}

/** A memory model's values at each of its steady moments, in time order (pool_memory_phase_moments). */
export interface MemoryMoments {
  pss_bytes: number[];
  private_bytes_per_worker: number[];
}

export interface PhaseComparison {
  /** The baseline's phase compared with. */
  baseline_phase: { start: number; end: number };
  cores_mean: ChangeWithInterval | null;
  requests_per_second: ChangeWithInterval | null;
  cpu_seconds_per_request: ChangeWithInterval | null;
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

/** A worker that exited early (src/models/pool/185-lifecycle.sql). */
export interface WorkerExit {
  pid: number;
  process_key: string;
  /** Its last live sample (unix s): it died between this and the next sample. */
  at: number;
  /** The worker that took its slot, or null when none did (the pool ran short to the stop). */
  replaced: {
    pid: number;
    process_key: string;
    start: number;
    /** From `at` to the replacement's start. */
    after_seconds: number;
  } | null;
  /** Other workers alive at `at` and after it. */
  workers_alive_after: number;
  /** How long the pool ran without it: from `at` to its replacement's start, else to the stop. */
  short_seconds: number;
}

export interface Lifecycle {
  /** The pool size (= `workers`) and the workers alive when the stop began. */
  workers: number;
  workers_at_stop: number;
  /** Workers that died or were killed: replaced outside the load, or never replaced. */
  lost: WorkerExit[];
  /** Workers replaced in normal operation: exited while the pool was under load, and replaced. */
  recycled: {
    count: number;
    /** Requests the load tools' summaries report (sum of loadgen_requests_total's last values); null when none was imported. */
    requests: number | null;
    per_1000_requests: number | null;
    workers: WorkerExit[];
  };
  /**
   * What a worker costs at start: its CPU until its start-up ended, the same figure as its
   * `startup.workers[].cpu_seconds` (src/models/pool/170-startup.sql: until it settled).
   */
  start: {
    /** Mean over the initial workers whose start was measured (`workers_measured`). */
    cpu_seconds_per_worker: number | null;
    workers_measured: number;
    /** Workers that took an exited worker's slot, and the mean and sum of their start CPU over those measured. */
    replacements: number;
    replacements_measured: number;
    cpu_seconds_per_replacement: number | null;
    cpu_seconds_replacements: number | null;
  };
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
  /** Which workers were lost (and whether replaced) or recycled. */
  lifecycle: Lifecycle;
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
    /**
     * The workers' memory before and during the load (copy-on-write erosion), with the load's
     * figures against the idle phase's; null without both models.
     */
    cow: { before: CowPhase; during: CowPhase; change: MemoryChange | null } | null;
    /**
     * Against the baseline's model of the same role (the idle phase before the load, the load),
     * with 95 % intervals over the two phases' steady moments; null for the baseline itself.
     */
    vs_baseline: { before_load: MemoryChange | null; load: MemoryChange | null } | null;
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
  /** A phase's per-bucket figures, for its intervals against another deployment's (not printed). */
  phase_buckets: (deployment: string, phase: PhaseReport) => PhaseBuckets | undefined;
  /** A memory model's steady moments, for its intervals against another model's (not printed). */
  memory_moments: (deployment: string, model: MemoryModel) => MemoryMoments | undefined;
}

/** A phase's whole buckets' CPU-seconds, requests and durations (pool_phase_work_buckets). */
export interface PhaseBuckets {
  cpu: number[];
  requests: number[];
  seconds: number[];
}

/** A time given on the command line: unix ms, or ms after the deployment's start. */
export interface PoolTime {
  ms: number;
  relative: boolean;
}

/** The parameters of the pool models (src/models/pool/100-params.sql); a null deployment means every one. */
export interface PoolParameters {
  ready: { deployment: string | null; time: PoolTime }[];
  phases: { deployment: string | null; name: string; start: PoolTime; end: PoolTime }[];
}
