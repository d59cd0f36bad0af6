import { pick, type DeploymentSummary } from './summary.js';
import { DEPLOYMENT_FIGURES, type TextTable } from './verdict.js';

/**
 * The spread of each verdict figure over the runs of one deployment, when an experiment ran it
 * more than once (`experiment --runs N`: each run is a deployment of the report, named
 * `<deployment>-run<k>`). Per figure: the value of every run (in run order), and their
 * minimum, median (the mean of the two middle values for an even count) and maximum.
 */
export interface RunSpread {
  deployment: string;
  /** The report deployments that are its runs, in run order. */
  runs: string[];
  figures: Record<
    string,
    { values: (number | null)[]; min: number | null; median: number | null; max: number | null }
  >;
}

/** Fields whose spread is shown: every deployment-level figure except the killed worker's pid. */
const SPREAD_FIELDS = DEPLOYMENT_FIGURES.filter((r) => r.field !== 'experiment.killed_worker_pid');

export function runSpreads(deployments: DeploymentSummary[]): RunSpread[] {
  const byDeployment = new Map<string, DeploymentSummary[]>();
  for (const d of deployments) {
    if (d.experiment === undefined) continue;
    const list = byDeployment.get(d.experiment.deployment) ?? [];
    list.push(d);
    byDeployment.set(d.experiment.deployment, list);
  }
  const out: RunSpread[] = [];
  for (const [deployment, runs] of byDeployment) {
    if (runs.length < 2) continue;
    runs.sort((a, b) => a.experiment!.run - b.experiment!.run);
    const figures: RunSpread['figures'] = {};
    for (const row of SPREAD_FIELDS) {
      const values = runs.map((d) => pick(d, row.field));
      if (values.every((v) => v === null)) continue;
      const known = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
      const mid = Math.floor(known.length / 2);
      figures[row.field] = {
        values,
        min: known[0]!,
        median: known.length % 2 === 1 ? known[mid]! : (known[mid - 1]! + known[mid]!) / 2,
        max: known.at(-1)!,
      };
    }
    out.push({ deployment, runs: runs.map((d) => d.name), figures });
  }
  return out;
}

/** Figures as rows, deployments as columns; each cell "median (min – max)". */
export function spreadTable(spreads: RunSpread[]): TextTable {
  const header = ['metric', ...spreads.map((s) => `${s.deployment} (${s.runs.length} runs)`)];
  const rows = SPREAD_FIELDS.filter((row) => spreads.some((s) => s.figures[row.field] !== undefined)).map(
    (row) => [
      `${row.label}: median (min – max)`,
      ...spreads.map((s) => {
        const f = s.figures[row.field];
        return f === undefined
          ? 'n/a'
          : `${row.format(f.median)} (${row.format(f.min)} – ${row.format(f.max)})`;
      }),
    ],
  );
  return { header, rows };
}
