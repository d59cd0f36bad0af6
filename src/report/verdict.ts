import { fixed, mib, percent } from './format.js';
import { pick, type DeploymentSummary, type ReportSummary } from './summary.js';
import type { PhaseReport } from '../models/pool-types.js';

/**
 * One figure: a field (dotted path), how to show it, and how it compares with the baseline's: a
 * measure in %, a count as counts (`1 → 0`, never −100 %), an identifier (a pid) not at all.
 */
export interface VerdictRow {
  label: string;
  field: string;
  format: (value: number | null) => string;
  compare?: 'count' | 'none';
}

const count = (label: string, field: string): VerdictRow => ({
  label,
  field,
  format: (v) => fixed(v, 0),
  compare: 'count',
});

/**
 * What `startup.seconds` measures: until the last initial worker settled, or, where the data says
 * when the pool was ready (`--ready`, an experiment's first 2xx: `startup.from_ready`), until then.
 */
const STARTUP_LABEL = {
  settled: 'startup until all workers settled',
  ready: 'startup until ready (--ready, or the first 2xx of an experiment)',
  mixed: 'startup until all workers settled, or until ready where known',
};

/** The startup row's label for these deployments. */
function startupLabel(deployments: DeploymentSummary[]): string {
  const ready = deployments.filter((d) => d.startup.from_ready === true).length;
  return ready === 0
    ? STARTUP_LABEL.settled
    : ready === deployments.length
      ? STARTUP_LABEL.ready
      : STARTUP_LABEL.mixed;
}

/** The pool as a whole (src/models/pool-report.ts). */
const POOL_ROWS: VerdictRow[] = [
  count('workers (pool size)', 'workers'),
  count('workers replaced (restarts)', 'restarts'),
  count('workers lost (never replaced)', 'workers_lost'),
  count('processes seen', 'processes'),
  { label: STARTUP_LABEL.settled, field: 'startup.seconds', format: (v) => fixed(v, 1, ' s') },
  {
    label: 'startup CPU-seconds per worker',
    field: 'startup.cpu_seconds_per_worker',
    format: (v) => fixed(v, 2, ' s'),
  },
];

/** The whole window (the deployment's span: startup, every phase and the stop; its length heads the group). */
const WINDOW_ROWS: VerdictRow[] = [
  { label: 'CPU-seconds over the window', field: 'cpu.seconds', format: (v) => fixed(v, 1, ' s') },
  { label: 'CPU cores, mean over the window', field: 'cpu.window_cores_mean', format: (v) => fixed(v, 2) },
];

/**
 * The steady state's medians and peaks, and the window's p95: not in the table (a phase compares
 * like for like; a peak can be a transient), spread over an experiment's runs.
 */
const STEADY_ROWS: VerdictRow[] = [
  { label: 'CPU cores, mean over the steady state', field: 'cpu.cores_mean', format: (v) => fixed(v, 2) },
  { label: 'CPU cores, p95 over the steady state', field: 'cpu.cores_p95', format: (v) => fixed(v, 2) },
  { label: 'RSS sum, steady-state median', field: 'memory.rss_bytes', format: mib },
  { label: 'PSS sum, steady-state median', field: 'memory.pss_bytes', format: mib },
  { label: 'USS sum, steady-state median', field: 'memory.uss_bytes', format: mib },
  { label: 'PSS per live worker', field: 'memory.per_worker.pss_bytes', format: mib },
  {
    label: "CPU cores, p95 of the window's buckets",
    field: 'cpu.window_cores_p95',
    format: (v) => fixed(v, 2),
  },
  { label: 'RSS sum, steady-state peak', field: 'memory.peak.rss_bytes', format: mib },
  { label: 'PSS sum, steady-state peak', field: 'memory.peak.pss_bytes', format: mib },
  { label: 'USS sum, steady-state peak', field: 'memory.peak.uss_bytes', format: mib },
  {
    label: 'RSS sum / PSS sum at the PSS peak',
    field: 'memory.rss_over_pss',
    format: (v) => fixed(v, 2, '×'),
  },
];

/** Rows of an experiment's runs (src/report/timeline.ts), shown when a deployment has them. */
const EXPERIMENT_ROWS: VerdictRow[] = [
  { label: 'time to ready (first 2xx)', field: 'experiment.ready_seconds', format: (v) => fixed(v, 2, ' s') },
  count('load: responses', 'experiment.load.responses'),
  count('load: failed requests (4xx/5xx or no response)', 'experiment.load.errors'),
  {
    label: 'worker SIGKILLed (pid)',
    field: 'experiment.killed_worker_pid',
    format: (v) => fixed(v, 0),
    compare: 'none',
  },
];

/**
 * A phase's rows, fields of `phases[]`. The work done (requests, latency) shows when the data has
 * it for some deployment; PSS per live worker compares pools of different sizes or that lost a worker.
 */
const PHASE_ROWS: VerdictRow[] = [
  count('workers alive (median)', 'workers_alive'),
  { label: 'CPU cores, mean', field: 'cpu.cores_mean', format: (v) => fixed(v, 2) },
  { label: 'CPU cores, p95', field: 'cpu.cores_p95', format: (v) => fixed(v, 2) },
  count('requests', 'requests'),
  { label: 'requests per second', field: 'requests_per_second', format: (v) => fixed(v, 1) },
  {
    label: 'CPU-milliseconds per request',
    field: 'cpu_seconds_per_request',
    format: (v) => (v === null ? 'n/a' : fixed(v * 1000, 2, ' ms')),
  },
  {
    label: 'latency p50',
    field: 'latency_seconds.p50',
    format: (v) => (v === null ? 'n/a' : fixed(v * 1000, 1, ' ms')),
  },
  {
    label: 'latency p99',
    field: 'latency_seconds.p99',
    format: (v) => (v === null ? 'n/a' : fixed(v * 1000, 1, ' ms')),
  },
  { label: 'PSS sum (median)', field: 'memory.pss_bytes', format: mib },
  { label: 'PSS sum per live worker', field: 'pss_bytes_per_worker', format: mib },
  { label: 'USS sum (median)', field: 'memory.uss_bytes', format: mib },
  { label: 'RSS sum (median)', field: 'memory.rss_bytes', format: mib },
  { label: 'RSS sum ÷ PSS sum', field: 'memory.rss_overcount', format: (v) => fixed(v, 2, '×') },
];

/** The deployment-level figures (no phase): the verdict's and the steady state's, spread over an experiment's runs. */
export const DEPLOYMENT_FIGURES: readonly VerdictRow[] = [
  ...POOL_ROWS,
  ...WINDOW_ROWS,
  ...STEADY_ROWS,
  ...EXPERIMENT_ROWS,
];

export interface TextTable {
  header: string[];
  rows: string[][];
  /** Rows that head a group (their first cell names it): shown as headings. */
  groups?: number[];
}

/**
 * Each phase of a deployment named for the comparison: its name, and for the idle stretches of a
 * detected load, where they lie (`idle before load`, `idle after load`, `idle between loads`);
 * a name still repeated is numbered (`warmup`, `warmup 2`).
 */
export function phaseLabels(phases: PhaseReport[]): string[] {
  const loads = phases.flatMap((p, i) => (p.name === 'load' ? [i] : []));
  const named = phases.map((p, i) => {
    if (p.name !== 'idle' || loads.length === 0) return p.name;
    if (i < loads[0]!) return 'idle before load';
    if (i > loads.at(-1)!) return 'idle after load';
    return 'idle between loads';
  });
  const seen = new Map<string, number>();
  return named.map((n) => {
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return k === 1 ? n : `${n} ${k}`;
  });
}

/** A phase's figures by dotted path, with the PSS per live worker derived. */
function phaseFigures(p: PhaseReport): object {
  const workers = p.workers_alive;
  const pss = p.memory.pss_bytes;
  return {
    ...p,
    pss_bytes_per_worker: workers !== null && workers > 0 && pss !== null ? pss / workers : null,
  };
}

/** A cell: the value, and against the baseline's: a count as `baseline → value`, a measure in %. */
function cell(row: VerdictRow, value: number | null, base: number | null, isBaseline: boolean): string {
  const shown = row.format(value);
  if (isBaseline || value === null || base === null || row.compare === 'none') return shown;
  if (row.compare === 'count') return value === base ? shown : `${row.format(base)} → ${shown}`;
  if (base === 0) return shown;
  return `${shown} (${percent((value - base) / base)})`;
}

/**
 * Metrics as rows, deployments as columns (baseline first), grouped: the pool, each phase (idle
 * before load, load, idle after, or the `--phase` phases: same-named phases side by side), the
 * whole window. Rows without a value for any deployment are left out.
 */
export function verdictTable(summary: ReportSummary): TextTable {
  const { deployments } = summary;
  const base = deployments.find((d) => d.name === summary.baseline) ?? deployments[0]!;
  const header = ['metric', ...deployments.map((d) => (d === base ? `${d.name} (baseline)` : d.name))];
  const rows: string[][] = [];
  const groups: number[] = [];
  const group = (title: string, cells: string[]) => {
    groups.push(rows.length);
    rows.push([title, ...cells]);
  };
  const figureRows = (list: VerdictRow[], of: (d: DeploymentSummary) => object | undefined) => {
    for (const row of list) {
      const values = deployments.map((d) => {
        const source = of(d);
        return source === undefined ? null : pick(source, row.field);
      });
      if (values.every((v) => v === null)) continue;
      const b = values[deployments.indexOf(base)]!;
      rows.push([row.label, ...values.map((v, i) => cell(row, v, b, deployments[i] === base))]);
    }
  };

  group(
    'Pool',
    deployments.map(() => ''),
  );
  figureRows(
    POOL_ROWS.map((r) => (r.field === 'startup.seconds' ? { ...r, label: startupLabel(deployments) } : r)),
    (d) => d,
  );

  const byLabel = new Map(
    deployments.map((d) => {
      const labels = phaseLabels(d.phases);
      return [d, new Map(d.phases.map((p, i) => [labels[i]!, p]))] as const;
    }),
  );
  const order = [base, ...deployments.filter((d) => d !== base)].flatMap((d) => [...byLabel.get(d)!.keys()]);
  for (const label of [...new Set(order)]) {
    const phase = (d: DeploymentSummary) => byLabel.get(d)!.get(label);
    group(
      label,
      deployments.map((d) => {
        const p = phase(d);
        return p === undefined ? 'none' : fixed(p.seconds, 0, ' s');
      }),
    );
    figureRows(PHASE_ROWS, (d) => {
      const p = phase(d);
      return p === undefined ? undefined : phaseFigures(p);
    });
  }

  group(
    'Whole window',
    deployments.map((d) => fixed(d.duration_seconds, 0, ' s')),
  );
  figureRows(WINDOW_ROWS, (d) => d);
  if (deployments.some((d) => d.experiment !== undefined)) {
    group(
      'Experiment',
      deployments.map(() => ''),
    );
    figureRows(EXPERIMENT_ROWS, (d) => d);
  }
  return { header, rows, groups };
}
