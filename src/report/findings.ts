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

/** Severities, most severe first: the order findings are listed in. */
export const SEVERITIES: readonly Severity[] = ['critical', 'major', 'minor', 'info'];

/**
 * The modules that make findings, one per subject (a subject's rank within one severity is its
 * place in SUBJECTS: CPU → memory → lifecycle; the containers' findings, `others`, come last).
 */
const MODULES: { subject: Subject; make: (deployments: DeploymentSummary[]) => Finding[] }[] = [
  { subject: 'cpu', make: cpuFindings },
  { subject: 'memory', make: memoryFindings },
  { subject: 'lifecycle', make: lifecycleFindings },
];

/**
 * Plain-language findings with the numbers behind them, most severe first; within one severity
 * by subject, then in the order found. Every number comes from the summary (the same object
 * `--format json` prints), so the text and the JSON cannot disagree. `others` are findings made
 * elsewhere (the containers'). The Answer section (answer.ts) draws on this rank.
 */
export function findings(deployments: DeploymentSummary[], others: Finding[] = []): RankedFinding[] {
  const all: RankedFinding[] = [
    ...MODULES.flatMap(({ subject, make }) => make(deployments).map((f) => ({ ...f, subject }))),
    ...others.map((f) => ({ ...f, subject: 'containers' as const })),
  ];
  const rank = (f: RankedFinding) =>
    SEVERITIES.indexOf(f.severity) * SUBJECTS.length + SUBJECTS.indexOf(f.subject);
  return all
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
    .map(({ f }) => f);
}
