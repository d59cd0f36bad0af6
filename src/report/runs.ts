import { pick, type DeploymentSummary, type RankedFinding } from './summary.js';
import type { RunFacts } from './timeline.js';
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

/** An experiment's deployment and the report deployments that are its runs, in run order. */
export interface RunGroup {
  deployment: string;
  runs: DeploymentSummary[];
}

/**
 * The report's deployments grouped into the experiment's deployments, in the order of their
 * first run in the report (the baseline's deployment first); a deployment that is no run of an
 * experiment is a group of its own.
 */
function groupRuns(deployments: DeploymentSummary[]): RunGroup[] {
  const groups = new Map<string, RunGroup>();
  for (const d of deployments) {
    const name = d.experiment?.deployment ?? d.name;
    const group = groups.get(name) ?? { deployment: name, runs: [] };
    group.runs.push(d);
    groups.set(name, group);
  }
  for (const g of groups.values()) g.runs.sort((a, b) => (a.experiment?.run ?? 1) - (b.experiment?.run ?? 1));
  return [...groups.values()];
}

/**
 * When some deployment of an experiment ran more than once (`--runs N`, N ≥ 2): the
 * experiment's deployments with their runs, which the findings compare and the Answer speaks of
 * instead of single runs. Null otherwise: each report deployment is compared on its own.
 */
export function runGroups(deployments: DeploymentSummary[]): RunGroup[] | null {
  const groups = groupRuns(deployments);
  return groups.some((g) => g.runs.length >= 2 && g.runs[0]!.experiment !== undefined) ? groups : null;
}

export function runSpreads(deployments: DeploymentSummary[]): RunSpread[] {
  const out: RunSpread[] = [];
  for (const { deployment, runs } of groupRuns(deployments)) {
    if (runs.length < 2 || runs[0]!.experiment === undefined) continue;
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

/**
 * The findings as the Answer reads them when the experiment has runs: a finding about one run
 * (a worker lost, copy-on-write erosion: not a comparison, which is made between the
 * deployments) answers once for its deployment, with the sentence of the run it ranks first in
 * (the most severe), saying in how many of the deployment's runs it was made.
 */
export function answeringByDeployment(ranked: RankedFinding[], groups: RunGroup[]): RankedFinding[] {
  // the runs named apart from their deployment (`<deployment>-run<k>`)
  const groupOf = new Map(
    groups.flatMap((g) => g.runs.filter((d) => d.name !== g.deployment).map((d) => [d.name, g] as const)),
  );
  const out: RankedFinding[] = [];
  const seen = new Set<string>();
  for (const f of ranked) {
    const group = groupOf.get(f.deployment);
    if (f.answer === undefined || group === undefined) {
      out.push(f);
      continue;
    }
    const key = `${f.id}\u0000${group.deployment}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const made = group.runs.filter((d) => ranked.some((x) => x.id === f.id && x.deployment === d.name));
    const run = group.runs.find((d) => d.name === f.deployment)!;
    out.push({
      ...f,
      deployment: group.deployment,
      answer:
        `In ${made.length} of ${group.deployment}'s ${group.runs.length} runs (the figures are run ` +
        `${run.experiment?.run ?? 1}'s): ${f.answer}`,
    });
  }
  return out;
}

/**
 * `--baseline` naming an experiment's deployment rather than one of its runs (`gunicorn` where
 * the report's deployments are `gunicorn-run1`, `gunicorn-run2`): its first completed run, which
 * makes that deployment the baseline of the comparisons over runs. Any other name is kept as
 * given (a run's name, or one the baseline check then rejects).
 */
export function baselineRun(
  baseline: string | undefined,
  names: readonly string[],
  facts: ReadonlyMap<string, RunFacts> | undefined,
): string | undefined {
  if (baseline === undefined || names.includes(baseline) || !facts) return baseline;
  const runs = names
    .filter((n) => facts.get(n)?.deployment === baseline)
    .sort((a, b) => facts.get(a)!.run - facts.get(b)!.run);
  return runs[0] ?? baseline;
}
