import type { DeploymentSummary, Finding, Severity } from './summary.js';
import { cpuFindings } from './findings/cpu.js';
import { memoryFindings } from './findings/memory.js';

/** Severities, most severe first: the order findings are listed in. */
export const SEVERITIES: readonly Severity[] = ['critical', 'major', 'minor', 'info'];

/**
 * The modules that make findings, one per subject, in the order a subject ranks within one
 * severity: CPU → memory → lifecycle; the containers' findings (`others`) come after them.
 */
const SUBJECTS: ((deployments: DeploymentSummary[]) => Finding[])[] = [cpuFindings, memoryFindings];

/**
 * Plain-language findings with the numbers behind them, most severe first; within one severity
 * by subject (SUBJECTS' order), then in the order found. Every number comes from the summary
 * (the same object `--format json` prints), so the text and the JSON cannot disagree. `others`
 * are findings made elsewhere (the containers'). The Answer section (answer.ts) takes this rank.
 */
export function findings(deployments: DeploymentSummary[], others: Finding[] = []): Finding[] {
  const all = [...SUBJECTS.flatMap((subject) => subject(deployments)), ...others];
  const rank = (f: Finding) => SEVERITIES.indexOf(f.severity);
  return all
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
    .map(({ f }) => f);
}
