import type { DeploymentSummary, Finding, Severity } from './summary.js';
import { cpuFindings } from './findings/cpu.js';
import { lifecycleFindings } from './findings/lifecycle.js';
import { memoryFindings } from './findings/memory.js';

/** Severities, most severe first: the order findings are listed in. */
export const SEVERITIES: readonly Severity[] = ['critical', 'major', 'minor', 'info'];

/**
 * Plain-language findings with the numbers behind them, most severe first (in the order found
 * within one severity). Every number comes from the summary (the same object `--format json`
 * prints), so the text and the JSON cannot disagree. One module per subject under findings/;
 * `others` are findings made elsewhere (the containers').
 */
export function findings(deployments: DeploymentSummary[], others: Finding[] = []): Finding[] {
  const all = [
    ...memoryFindings(deployments),
    ...cpuFindings(deployments),
    ...lifecycleFindings(deployments),
    ...others,
  ];
  const rank = (f: Finding) => SEVERITIES.indexOf(f.severity);
  return all
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
    .map(({ f }) => f);
}
