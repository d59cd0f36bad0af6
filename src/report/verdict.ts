import { fixed, mib, percent } from './format.js';
import { pick, type ReportSummary } from './summary.js';

/** One row of the verdict table: a summary field, how to show it. */
export interface VerdictRow {
  label: string;
  field: string;
  format: (value: number | null) => string;
}

const ROWS: VerdictRow[] = [
  // pool models (src/models/pool-report.ts): steady state = after startup settled
  { label: 'workers (pool size)', field: 'workers', format: (v) => fixed(v, 0) },
  { label: 'worker restarts', field: 'restarts', format: (v) => fixed(v, 0) },
  { label: 'workers lost', field: 'workers_lost', format: (v) => fixed(v, 0) },
  { label: 'startup until all workers settled', field: 'startup.seconds', format: (v) => fixed(v, 1, ' s') },
  {
    label: 'startup CPU-seconds per worker',
    field: 'startup.cpu_seconds_per_worker',
    format: (v) => fixed(v, 2, ' s'),
  },
  { label: 'CPU cores, mean over the steady state', field: 'cpu.cores_mean', format: (v) => fixed(v, 2) },
  { label: 'CPU cores, p95 over the steady state', field: 'cpu.cores_p95', format: (v) => fixed(v, 2) },
  { label: 'RSS sum, steady-state median', field: 'memory.rss_bytes', format: mib },
  { label: 'PSS sum, steady-state median', field: 'memory.pss_bytes', format: mib },
  { label: 'USS sum, steady-state median', field: 'memory.uss_bytes', format: mib },
  { label: 'PSS per live worker', field: 'memory.per_worker.pss_bytes', format: mib },
  // the report's whole-window figures
  { label: 'processes seen', field: 'processes', format: (v) => fixed(v, 0) },
  { label: 'CPU-seconds over the window', field: 'cpu.seconds', format: (v) => fixed(v, 1, ' s') },
  { label: 'CPU cores, mean over the window', field: 'cpu.window_cores_mean', format: (v) => fixed(v, 2) },
  { label: 'CPU cores, p95 of 5 s buckets', field: 'cpu.window_cores_p95', format: (v) => fixed(v, 2) },
  { label: 'RSS sum, peak', field: 'memory.peak.rss_bytes', format: mib },
  { label: 'PSS sum, peak', field: 'memory.peak.pss_bytes', format: mib },
  { label: 'USS sum, peak', field: 'memory.peak.uss_bytes', format: mib },
  {
    label: 'RSS sum / PSS sum at the PSS peak',
    field: 'memory.rss_over_pss',
    format: (v) => fixed(v, 2, '×'),
  },
];

/** Rows of an experiment's runs (src/report/timeline.ts), shown when a deployment has them. */
const EXPERIMENT_ROWS: VerdictRow[] = [
  { label: 'time to ready (first 2xx)', field: 'experiment.ready_seconds', format: (v) => fixed(v, 2, ' s') },
  { label: 'load: responses', field: 'experiment.load.responses', format: (v) => fixed(v, 0) },
  {
    label: 'load: failed requests (4xx/5xx or no response)',
    field: 'experiment.load.errors',
    format: (v) => fixed(v, 0),
  },
  { label: 'worker SIGKILLed (pid)', field: 'experiment.killed_worker_pid', format: (v) => fixed(v, 0) },
];

/** Every row the verdict table can have, in order. */
export const VERDICT_ROWS: readonly VerdictRow[] = [...ROWS, ...EXPERIMENT_ROWS];

export interface TextTable {
  header: string[];
  rows: string[][];
}

/** Metrics as rows, deployments as columns (baseline first); each cell is the value and its delta. */
export function verdictTable(summary: ReportSummary): TextTable {
  const header = [
    'metric',
    ...summary.deployments.map((d) => (d.name === summary.baseline ? `${d.name} (baseline)` : d.name)),
  ];
  const experiment = summary.deployments.some((d) => d.experiment !== undefined) ? EXPERIMENT_ROWS : [];
  const rows = [...ROWS, ...experiment].map((row) => [
    row.label,
    ...summary.deployments.map((d) => {
      const value = row.format(pick(d, row.field));
      if (d.delta === null) return value;
      const change = d.delta[row.field] ?? null;
      return change === null ? value : `${value} (${percent(change)})`;
    }),
  ]);
  return { header, rows };
}
