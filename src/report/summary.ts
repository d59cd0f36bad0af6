import { CliError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import type { ContainerReport } from '../models/container-report.js';
import type { DeploymentReport } from '../models/pool-report.js';
import type { TraceDatabase } from '../store/database.js';
import { queryRows, type Rows } from './execute.js';
import type { RunSpread } from './runs.js';
import type { RunFacts } from './timeline.js';

/**
 * The report's numbers, one object: what `report --format json` prints and what the verdict
 * table, the findings and the Markdown are made of (so they always agree). Field by field in
 * docs/report-json.md. Times in unix seconds, bytes in bytes, CPU in cores or CPU seconds.
 */
export interface ReportSummary {
  tool: { name: 'trace-analyze'; version: string };
  title: string;
  /** SOURCE_DATE_EPOCH when set, else the time the report was made (ISO 8601, UTC). */
  generated_at: string;
  baseline: string;
  deployments: DeploymentSummary[];
  /** `experiment --runs N`: the spread of each verdict figure over a deployment's runs (src/report/runs.ts). */
  runs?: RunSpread[];
  findings: Finding[];
  warnings: { deployment: string; message: string }[];
  inputs: {
    deployment: string;
    path: string;
    format: string;
    sha256: string;
    series: number;
    samples: number;
  }[];
}

export interface DeploymentSummary extends Partial<PoolFields> {
  name: string;
  start: number;
  end: number;
  duration_seconds: number;
  processes: number | null;
  cpu: {
    seconds: number | null;
    window_cores_mean: number | null;
    window_cores_p95: number | null;
    window_cores_max: number | null;
  } & Partial<DeploymentReport['cpu']>;
  memory: {
    peak: { rss_bytes: number | null; pss_bytes: number | null; uss_bytes: number | null };
    rss_bytes_at_pss_peak: number | null;
    rss_over_pss: number | null;
  } & Partial<DeploymentReport['memory']>;
  /** Cgroups / containers of the deployment: CPU quota, throttling, memory limit (src/models/container-report.ts). */
  containers: ContainerReport[];
  /** The run's facts when the deployment is a run of `trace-analyze experiment` (its timeline.json). */
  experiment?: RunFacts;
  /** Relative change against the baseline per numeric field (dotted path), null for the baseline. */
  delta: Record<string, number | null> | null;
}

/** What the pool models (src/models/pool-report.ts) add to a deployment; merged in by src/report/pool.ts. */
export type PoolFields = Pick<
  DeploymentReport,
  | 'workers'
  | 'restarts'
  | 'workers_lost'
  | 'startup'
  | 'steady'
  | 'phases'
  | 'process_list'
  | 'sources'
  | 'delta_absolute'
>;

export interface Finding {
  id: string;
  deployment: string;
  text: string;
  values: Record<string, number | string | null>;
}

/** The numeric fields that get a delta against the baseline, by dotted path. */
export const DELTA_FIELDS = [
  'processes',
  'cpu.seconds',
  'cpu.window_cores_mean',
  'cpu.window_cores_p95',
  'memory.peak.rss_bytes',
  'memory.peak.pss_bytes',
  'memory.peak.uss_bytes',
  'memory.rss_over_pss',
] as const;

export async function deploymentSummaries(db: TraceDatabase): Promise<DeploymentSummary[]> {
  const rows = await queryRows(db, 'SELECT * FROM report_deployment_summary ORDER BY deployment');
  if (rows.length === 0) throw new CliError(msg.reportNoDeployments());
  return rows.map((r) => {
    const pss = num(r.pss_bytes_peak);
    const rssAtPss = num(r.rss_bytes_at_pss_peak);
    return {
      name: String(r.deployment),
      start: Number(r.start_ts) / 1000,
      end: Number(r.end_ts) / 1000,
      duration_seconds: Number(r.duration_seconds),
      processes: num(r.processes),
      cpu: {
        seconds: num(r.cpu_seconds),
        window_cores_mean: num(r.cores_mean),
        window_cores_p95: num(r.cores_p95),
        window_cores_max: num(r.cores_max),
      },
      memory: {
        peak: { rss_bytes: num(r.rss_bytes_peak), pss_bytes: pss, uss_bytes: num(r.uss_bytes_peak) },
        rss_bytes_at_pss_peak: rssAtPss,
        rss_over_pss: pss !== null && rssAtPss !== null && pss > 0 ? rssAtPss / pss : null,
      },
      containers: [],
      delta: null,
    };
  });
}

/** Orders deployments with the baseline (else the first imported) first and fills the deltas. */
export function applyBaseline(
  deployments: DeploymentSummary[],
  importOrder: string[],
  baseline: string | undefined,
): { baseline: string; deployments: DeploymentSummary[] } {
  const names = deployments.map((d) => d.name);
  if (baseline !== undefined && !names.includes(baseline))
    throw new CliError(msg.reportUnknownBaseline(baseline, names), 2);
  const chosen = baseline ?? importOrder.find((n) => names.includes(n)) ?? names[0]!;
  const base = deployments.find((d) => d.name === chosen)!;
  // Baseline first, then the others in import order (the order the user gave them).
  const rank = (d: DeploymentSummary) => {
    const i = importOrder.indexOf(d.name);
    return i < 0 ? importOrder.length : i;
  };
  const others = deployments.filter((d) => d !== base).sort((a, b) => rank(a) - rank(b));
  const ordered = [base, ...others];
  for (const d of ordered) {
    if (d === base) continue;
    d.delta = {};
    for (const field of DELTA_FIELDS)
      d.delta[field] = relativeChange(field, pick(d, field), pick(base, field));
  }
  return { baseline: chosen, deployments: ordered };
}

function relativeChange(_field: string, value: number | null, base: number | null): number | null {
  if (value === null || base === null || base === 0) return null;
  return (value - base) / base;
}

/** The value at a dotted path of a deployment summary (null when absent). */
export function pick(d: DeploymentSummary, path: string): number | null {
  let v: unknown = d;
  for (const key of path.split('.'))
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : null;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export async function reportInputs(db: TraceDatabase): Promise<ReportSummary['inputs']> {
  const rows = await queryRows(
    db,
    'SELECT deployment, path, format, sha256, series, samples FROM imports ORDER BY import_id',
  );
  return rows.map((r) => ({
    deployment: String(r.deployment),
    path: String(r.path),
    format: String(r.format),
    sha256: String(r.sha256),
    series: Number(r.series),
    samples: Number(r.samples),
  }));
}

export async function reportWarnings(db: TraceDatabase): Promise<ReportSummary['warnings']> {
  const rows: Rows = await queryRows(db, 'SELECT deployment, message FROM report_warnings');
  return rows.map((r) => ({ deployment: String(r.deployment), message: String(r.message) }));
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
