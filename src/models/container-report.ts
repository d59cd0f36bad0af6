/**
 * Containers next to the worker pool: reads the container models (src/models/2xx-container-*.sql)
 * into what `report --format json` prints under `deployments[].containers`, and the findings
 * about them. Field by field, with units and formulas: docs/report-json.md.
 */
import { listSql } from '../base/sql-files.js';
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
  throttling: {
    periods: number | null;
    throttled_periods: number | null;
    throttled_fraction: number | null;
    throttled_seconds: number | null;
  };
  memory: {
    limit_bytes: number | null;
    limit_changed: boolean;
    working_set_peak_bytes: number | null;
    usage_peak_bytes: number | null;
    headroom_bytes: number | null;
  };
  oom_kills: number | null;
  pressure: { cpu_waiting_seconds: number | null; memory_waiting_seconds: number | null };
}

export interface ContainerFinding {
  id: 'quota-saturated' | 'memory-headroom-low' | 'oom-kills';
  deployment: string;
  text: string;
  values: Record<string, number | string | null>;
}

/** Thresholds of the findings (docs/report-json.md). */
export const QUOTA_SATURATED = 0.95; // peak use at or above this share of the quota
export const HEADROOM_LOW = 0.1; // headroom below this share of the limit

const CONTAINER_MODELS = listSql('models').filter((m) => /^2\d\d-container-/.test(m.name));

/** Defines the container views (temporary: nothing is written to the database file). */
export async function loadContainerModels(db: TraceDatabase): Promise<void> {
  for (const model of CONTAINER_MODELS) await db.run(model.sql);
}

/** The containers of each deployment, in container name order. */
export async function containerReports(db: TraceDatabase): Promise<Map<string, ContainerReport[]>> {
  await loadContainerModels(db);
  const rows = await db.rowsJS(`SELECT * FROM container_summary ORDER BY deployment, container`);
  const out = new Map<string, ContainerReport[]>();
  for (const r of rows) {
    const list = out.get(String(r.deployment)) ?? [];
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
      },
      memory: {
        limit_bytes: num(r.memory_limit_bytes),
        limit_changed: r.memory_limit_changed === true,
        working_set_peak_bytes: num(r.working_set_peak_bytes),
        usage_peak_bytes: num(r.memory_usage_peak_bytes),
        headroom_bytes: num(r.headroom_bytes),
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
    const { quota_cores: quota, cores_peak: peak } = c.cpu;
    if (quota !== null && peak !== null && peak >= QUOTA_SATURATED * quota) {
      const throttled = c.throttling.throttled_fraction;
      out.push({
        id: 'quota-saturated',
        deployment,
        text:
          `${who}: at its peak the container used ${peak.toFixed(2)} cores of its ${quota.toFixed(2)}-core CPU quota` +
          (throttled !== null
            ? ` and ${(throttled * 100).toFixed(1)} % of its CFS periods were throttled`
            : '') +
          `: the quota, not the workers, set the pace; the pool would have used more.`,
        values: { quota_cores: quota, cores_peak: peak, throttled_fraction: throttled },
      });
    }
    const { limit_bytes: limit, headroom_bytes: headroom, working_set_peak_bytes: ws } = c.memory;
    if (limit !== null && headroom !== null && ws !== null && headroom < HEADROOM_LOW * limit)
      out.push({
        id: 'memory-headroom-low',
        deployment,
        text: `${who}: the working set peaked at ${mib(ws)} against a ${mib(limit)} memory limit, ${mib(headroom)} of headroom (${((headroom / limit) * 100).toFixed(1)} %): one more worker, or a worker's memory growing, ends in an OOM kill.`,
        values: { limit_bytes: limit, working_set_peak_bytes: ws, headroom_bytes: headroom },
      });
    if (c.oom_kills !== null && c.oom_kills > 0)
      out.push({
        id: 'oom-kills',
        deployment,
        text: `${who}: the kernel's OOM killer ended ${c.oom_kills} process(es) in the container during the recording.`,
        values: { oom_kills: c.oom_kills, limit_bytes: limit },
      });
  }
  return out;
}

function num(v: unknown): number | null {
  if (typeof v === 'bigint') return Number(v);
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
