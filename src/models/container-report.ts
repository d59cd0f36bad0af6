/**
 * Containers next to the worker pool: reads the container models (src/models/container/2xx-*.sql)
 * into what `report --format json` prints under `deployments[].containers`, and the findings
 * about them. Field by field, with units and formulas: docs/report-json.md.
 */
import type { TraceDatabase } from '../store/database.js';

export interface ContainerReport {
  /** namespace/pod/container (cAdvisor, kube-state-metrics), else the cgroup path, else "". */
  container: string;
  start: number;
  end: number;
  cpu: {
    quota_cores: number | null;
    /** "cfs": cpu.max / container_spec_cpu_quota ÷ period; "limit": the pod spec's CPU limit. */
    quota_source: 'cfs' | 'limit' | null;
    quota_changed: boolean;
    seconds: number | null;
    cores_mean: number | null;
    cores_peak: number | null;
  };
  throttling: ThrottlingFigures & {
    /** From the deployment's start until the pool settled (null when the pool's startup is unknown). */
    startup: WindowFigures | null;
    /** The steady state: after the pool settled, to the end. */
    after_startup: WindowFigures | null;
    /** The pool's phases (detected idle/load, or --phase). */
    phases: (WindowFigures & { name: string })[];
  };
  /** The pool's figures against this container's quota and limit (its deployment's app container only). */
  pool: {
    cores_peak: number | null;
    workers: number | null;
    workers_per_quota_core: number | null;
    pss_peak_bytes: number | null;
  } | null;
  memory: {
    limit_bytes: number | null;
    limit_changed: boolean;
    working_set_peak_bytes: number | null;
    usage_peak_bytes: number | null;
    headroom_bytes: number | null;
    /** limit minus the pool's peak PSS sum (null when the deployment has no worker pool). */
    headroom_after_pool_pss_bytes: number | null;
  };
  oom_kills: number | null;
  pressure: { cpu_waiting_seconds: number | null; memory_waiting_seconds: number | null };
}

export interface ThrottlingFigures {
  periods: number | null;
  throttled_periods: number | null;
  throttled_fraction: number | null;
  throttled_seconds: number | null;
}

export interface WindowFigures extends ThrottlingFigures {
  start: number;
  end: number;
  seconds: number;
  cpu_seconds: number | null;
  cores_mean: number | null;
}

export interface ContainerFinding {
  id: 'quota-saturated' | 'throttling-in-startup' | 'memory-headroom-low' | 'oom-kills';
  /** An OOM kill is critical; a saturated quota or low headroom major; throttling in startup minor. */
  severity: 'critical' | 'major' | 'minor';
  deployment: string;
  text: string;
  values: Record<string, number | string | null>;
  /** The sentence for the report's Answer section (src/report/answer.ts), where the finding bears on CPU or memory cost. */
  answer?: string;
}

/**
 * Findings that bear on whether the process model cost more CPU or memory: a quota that set the
 * pace (the CPU measured is the quota's, not the cost), a limit nearly reached, OOM kills. Their
 * text is their answer; throttling in startup is a detail of the startup.
 */
const ANSWERING: ReadonlySet<ContainerFinding['id']> = new Set([
  'quota-saturated',
  'memory-headroom-low',
  'oom-kills',
]);

/** Thresholds of the findings (docs/report-json.md). */
export const QUOTA_SATURATED = 0.95; // peak use at or above this share of the quota
export const HEADROOM_LOW = 0.1; // headroom below this share of the limit
export const STARTUP_THROTTLED = 0.25; // startup throttled in at least this share of its periods
export const STARTUP_RATIO = 2; // ... and at least this many times the share after startup

/**
 * The containers of each deployment, in container name order, from the container models
 * (loaded with `loadModelSets(db, 'containers')`, src/models/registry.ts).
 */
export async function containerReports(db: TraceDatabase): Promise<Map<string, ContainerReport[]>> {
  const rows = await db.rowsJS(`SELECT * FROM container_summary ORDER BY deployment, container`);
  const windows = await db.rowsJS(
    `SELECT * FROM container_phase_stats ORDER BY deployment, container, start_ts, kind`,
  );
  const pools = await db.rowsJS(`SELECT * FROM container_pool ORDER BY deployment`);
  const out = new Map<string, ContainerReport[]>();
  for (const r of rows) {
    const list = out.get(String(r.deployment)) ?? [];
    const mine = windows.filter((w) => w.deployment === r.deployment && w.container === r.container);
    const window = (w: Record<string, unknown>): WindowFigures => ({
      start: Number(w.start_ts) / 1000,
      end: Number(w.end_ts) / 1000,
      seconds: Number(w.seconds),
      cpu_seconds: num(w.cpu_seconds),
      cores_mean: num(w.cores_mean),
      periods: num(w.periods),
      throttled_periods: num(w.throttled_periods),
      throttled_fraction: num(w.throttled_fraction),
      throttled_seconds: num(w.throttled_seconds),
    });
    const startup = mine.find((w) => w.kind === 'startup');
    const after = mine.find((w) => w.kind === 'after_startup');
    const p = pools.find((x) => x.deployment === r.deployment && x.container === r.container);
    list.push({
      container: String(r.container),
      start: Number(r.start_ts) / 1000,
      end: Number(r.end_ts) / 1000,
      cpu: {
        quota_cores: num(r.quota_cores),
        quota_source: r.quota_origin === 'cfs' || r.quota_origin === 'limit' ? r.quota_origin : null,
        quota_changed: r.quota_changed === true,
        seconds: num(r.cpu_seconds),
        cores_mean: num(r.cores_mean),
        cores_peak: num(r.cores_peak),
      },
      throttling: {
        periods: num(r.periods),
        throttled_periods: num(r.throttled_periods),
        throttled_fraction: num(r.throttled_fraction),
        throttled_seconds: num(r.throttled_seconds),
        startup: startup ? window(startup) : null,
        after_startup: after ? window(after) : null,
        phases: mine.filter((w) => w.kind === 'phase').map((w) => ({ name: String(w.name), ...window(w) })),
      },
      pool: p
        ? {
            cores_peak: num(p.pool_cores_peak),
            workers: num(p.workers_alive),
            workers_per_quota_core: num(p.workers_per_quota_core),
            pss_peak_bytes: num(p.pool_pss_peak_bytes),
          }
        : null,
      memory: {
        limit_bytes: num(r.memory_limit_bytes),
        limit_changed: r.memory_limit_changed === true,
        working_set_peak_bytes: num(r.working_set_peak_bytes),
        usage_peak_bytes: num(r.memory_usage_peak_bytes),
        headroom_bytes: num(r.headroom_bytes),
        headroom_after_pool_pss_bytes: p ? num(p.headroom_after_pool_pss_bytes) : null,
      },
      oom_kills: num(r.oom_kills),
      pressure: {
        cpu_waiting_seconds: num(r.cpu_pressure_waiting_seconds),
        memory_waiting_seconds: num(r.memory_pressure_waiting_seconds),
      },
    });
    out.set(String(r.deployment), list);
  }
  return out;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const named = (deployment: string, c: ContainerReport) =>
  c.container === '' ? deployment : `${deployment} (container ${c.container})`;

/** Plain-language findings about quotas, limits and OOM kills, with the numbers behind them. */
export function containerFindings(deployment: string, containers: ContainerReport[]): ContainerFinding[] {
  const out: ContainerFinding[] = [];
  for (const c of containers) {
    const who = named(deployment, c);
    const quota = c.cpu.quota_cores;
    // the pool's peak (its processes' rates summed) or the container's own, whichever is higher
    const peaks = [c.cpu.cores_peak, c.pool?.cores_peak ?? null].filter((v): v is number => v !== null);
    const peak = peaks.length > 0 ? Math.max(...peaks) : null;
    if (quota !== null && peak !== null && peak >= QUOTA_SATURATED * quota) {
      const throttled = c.throttling.throttled_fraction;
      out.push({
        id: 'quota-saturated',
        severity: 'major',
        deployment,
        text:
          `${who}: at its peak the pool used ${peak.toFixed(2)} cores of its ${quota.toFixed(2)}-core CPU quota` +
          (throttled !== null
            ? ` and ${(throttled * 100).toFixed(1)} % of its CFS periods were throttled`
            : '') +
          `: the quota, not the workers, set the pace; the pool would have used more.`,
        values: { quota_cores: quota, cores_peak: peak, throttled_fraction: throttled },
      });
    }
    const startup = c.throttling.startup;
    const after = c.throttling.after_startup;
    const early = startup?.throttled_fraction ?? null;
    const late = after?.throttled_fraction ?? null;
    if (
      startup &&
      early !== null &&
      early >= STARTUP_THROTTLED &&
      (late === null || early >= STARTUP_RATIO * late)
    )
      out.push({
        id: 'throttling-in-startup',
        severity: 'minor',
        deployment,
        text:
          `${who}: throttling concentrates in startup: ${(early * 100).toFixed(1)} % of the CFS periods of its first ` +
          `${startup.seconds.toFixed(1)} s were throttled (${(startup.throttled_seconds ?? 0).toFixed(1)} s throttled)` +
          (late !== null ? `, against ${(late * 100).toFixed(1)} % after startup` : '') +
          `: workers importing the application at once burn the quota; a larger quota at start, fewer ` +
          `workers, or preloading the application before forking shortens it.`,
        values: {
          startup_throttled_fraction: early,
          startup_throttled_seconds: startup.throttled_seconds,
          startup_seconds: startup.seconds,
          after_startup_throttled_fraction: late,
        },
      });
    const { limit_bytes: limit, headroom_bytes: headroom, working_set_peak_bytes: ws } = c.memory;
    if (limit !== null && headroom !== null && ws !== null && headroom < HEADROOM_LOW * limit)
      out.push({
        id: 'memory-headroom-low',
        severity: 'major',
        deployment,
        text: `${who}: the working set peaked at ${mib(ws)} against a ${mib(limit)} memory limit, ${mib(headroom)} of headroom (${((headroom / limit) * 100).toFixed(1)} %): one more worker, or a worker's memory growing, ends in an OOM kill.`,
        values: { limit_bytes: limit, working_set_peak_bytes: ws, headroom_bytes: headroom },
      });
    if (c.oom_kills !== null && c.oom_kills > 0)
      out.push({
        id: 'oom-kills',
        severity: 'critical',
        deployment,
        text: `${who}: the kernel's OOM killer ended ${c.oom_kills} process(es) in the container during the recording.`,
        values: { oom_kills: c.oom_kills, limit_bytes: limit },
      });
  }
  return out.map((f) => (ANSWERING.has(f.id) ? { ...f, answer: f.text } : f));
}

function num(v: unknown): number | null {
  if (typeof v === 'bigint') return Number(v);
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
