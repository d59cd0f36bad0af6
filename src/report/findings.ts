import {
  SUBJECTS,
  type DeploymentSummary,
  type Finding,
  type RankedFinding,
  type Severity,
  type Subject,
} from './summary.js';
import { cpuFindings } from './findings/cpu.js';
import { lifecycleFindings } from './findings/lifecycle.js';
import { memoryFindings } from './findings/memory.js';
import { cpuRunFindings, memoryRunFindings } from './findings/runs.js';
import { runGroups, type RunGroup } from './runs.js';

/** Severities, most severe first: the order findings are listed in. */
export const SEVERITIES: readonly Severity[] = ['critical', 'major', 'minor', 'info'];

/**
 * The modules that make findings, one per subject (a subject's rank within one severity is its
 * place in SUBJECTS: CPU → memory → lifecycle; the containers' findings, `others`, come last).
 */
const MODULES: {
  subject: Subject;
  make: (deployments: DeploymentSummary[]) => Finding[];
  /** The subject's comparisons when an experiment's deployments ran more than once. */
  compareRuns?: (groups: RunGroup[]) => Finding[];
}[] = [
  { subject: 'cpu', make: cpuFindings, compareRuns: cpuRunFindings },
  { subject: 'memory', make: memoryFindings, compareRuns: memoryRunFindings },
  { subject: 'lifecycle', make: lifecycleFindings },
];

/**
 * Plain-language findings with the numbers behind them, most severe first; within one severity
 * by subject, then in the order found. Every number comes from the summary (the same object
 * `--format json` prints), so the text and the JSON cannot disagree. `others` are findings made
 * elsewhere (the containers'). The Answer section (answer.ts) draws on this rank.
 */
export function findings(deployments: DeploymentSummary[], others: Finding[] = []): RankedFinding[] {
  const groups = runGroups(deployments);
  // With runs (`experiment --runs N`), each run is given to a module alone, for what it finds in
  // one run; the deployments are compared over their runs (findings/runs.ts), not run by run.
  const made = (m: (typeof MODULES)[number]) =>
    groups
      ? [...deployments.flatMap((d) => m.make([d])), ...(m.compareRuns?.(groups) ?? [])]
      : m.make(deployments);
  const all: RankedFinding[] = [
    ...MODULES.flatMap((m) => made(m).map((f) => ({ ...f, subject: m.subject }))),
    ...others.map((f) => ({ ...f, subject: 'containers' as const })),
  ];
  const rank = (f: RankedFinding) =>
    SEVERITIES.indexOf(f.severity) * SUBJECTS.length + SUBJECTS.indexOf(f.subject);
  return all
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
    .map(({ f }) => f);
}
