import { CliError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import type { AnswerSentence } from './answer.js';
import type { ContainerReport } from '../models/container-report.js';
import { applyBaseline, pick, REPORT_DELTA_FIELDS } from '../models/baseline.js';
import { compareMemory, compareWork } from '../models/pool-report.js';
import type { DeploymentReport, MemoryTriple, PoolReport } from '../models/pool-types.js';
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
  /** Did the process model cost more CPU or memory than the baseline, and why: from the findings (answer.ts). */
  answer: AnswerSentence[];
  deployments: DeploymentSummary[];
  /** `experiment --runs N`: the spread of each verdict figure over a deployment's runs (src/report/runs.ts). */
  runs?: RunSpread[];
  findings: RankedFinding[];
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

export interface DeploymentSummary extends PoolFields {
  name: string;
  start: number;
  end: number;
  duration_seconds: number;
  processes: number;
  cpu: {
    seconds: number | null;
    window_cores_mean: number | null;
    window_cores_p95: number | null;
    window_cores_max: number | null;
  } & DeploymentReport['cpu'];
  memory: {
    peak: MemoryTriple;
    rss_bytes_at_pss_peak: number | null;
    rss_over_pss: number | null;
  } & Omit<DeploymentReport['memory'], 'steady_peak'>;
  /** Cgroups / containers of the deployment: CPU quota, throttling, memory limit (src/models/container-report.ts). */
  containers: ContainerReport[];
  /** The run's facts when the deployment is a run of `trace-analyze experiment` (its timeline.json). */
  experiment?: RunFacts;
  /** Relative change against the baseline per numeric field (dotted path), null for the baseline. */
  delta: Record<string, number | null> | null;
  /** Absolute change against the baseline, same keys. */
  delta_absolute: Record<string, number | null> | null;
}

/** What the pool models (src/models/pool-report.ts) give a deployment as they are. */
export type PoolFields = Pick<
  DeploymentReport,
  | 'workers'
  | 'restarts'
  | 'workers_lost'
  | 'lifecycle'
  | 'startup'
  | 'steady'
  | 'phases'
  | 'process_list'
  | 'sources'
>;

/** How much a finding matters to the comparison: `critical` first (docs/report-json.md). */
export type Severity = 'critical' | 'major' | 'minor' | 'info';

/** What a finding is about, in the order subjects rank within one severity (src/report/findings.ts). */
export const SUBJECTS = ['cpu', 'memory', 'lifecycle', 'containers'] as const;
export type Subject = (typeof SUBJECTS)[number];

export interface Finding {
  id: string;
  severity: Severity;
  deployment: string;
  text: string;
  /** The numbers in the sentence; lists are one value per run of an experiment (in run order). */
  values: Record<string, number | string | null | number[]>;
  /**
   * Where the finding answers "did the process model cost more CPU or memory than the baseline,
   * and why": that answer in one sentence with its numbers, for the report's Answer section.
   */
  answer?: string;
}

/** A finding as the report lists it: with its subject, from the module that made it (src/report/findings.ts). */
export type RankedFinding = Finding & { subject: Subject };

/**
 * Each deployment's numbers, all from the deployment model (src/models/pool-report.ts): the
 * window's figures are its span's, the peaks its steady state's; ordered by the baseline, with
 * their deltas (src/models/baseline.ts).
 */
export function deploymentSummaries(
  pool: PoolReport,
  importOrder: string[],
  baseline: string | undefined,
): { baseline: string; deployments: DeploymentSummary[] } {
  if (pool.deployments.length === 0) throw new CliError(msg.reportNoDeployments());
  const summaries = pool.deployments.map((p): DeploymentSummary => {
    const { steady_peak: peak, ...memory } = p.memory;
    return {
      name: p.name,
      start: p.start,
      end: p.end,
      duration_seconds: p.window.seconds,
      processes: p.processes,
      workers: p.workers,
      restarts: p.restarts,
      workers_lost: p.workers_lost,
      lifecycle: p.lifecycle,
      startup: p.startup,
      steady: p.steady,
      cpu: {
        seconds: p.window.cpu_seconds,
        window_cores_mean: p.window.cores_mean,
        window_cores_p95: p.window.cores_p95,
        window_cores_max: p.window.cores_max,
        ...p.cpu,
      },
      memory: {
        peak: { rss_bytes: peak.rss_bytes, pss_bytes: peak.pss_bytes, uss_bytes: peak.uss_bytes },
        rss_bytes_at_pss_peak: peak.rss_bytes_at_pss_peak,
        rss_over_pss:
          peak.pss_bytes !== null && peak.rss_bytes_at_pss_peak !== null && peak.pss_bytes > 0
            ? peak.rss_bytes_at_pss_peak / peak.pss_bytes
            : null,
        ...memory,
      },
      phases: p.phases,
      process_list: p.process_list,
      sources: p.sources,
      containers: [],
      delta: null,
      delta_absolute: null,
    };
  });
  const { baseline: chosen, ordered } = applyBaseline(
    summaries,
    importOrder,
    baseline,
    REPORT_DELTA_FIELDS,
    (b, names) => new CliError(msg.reportUnknownBaseline(b, names), 2),
  );
  // each phase against the baseline chosen here (the pool model compared with its own)
  compareWork(ordered, pool.phase_buckets);
  compareMemory(ordered, pool.memory_moments);
  return { baseline: chosen, deployments: ordered };
}

export { pick };

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
