import type { PoolReport } from '../models/pool-report.js';
import type { DeploymentSummary, ReportSummary } from './summary.js';

/**
 * Checks the report's own warnings already cover (src/report/sql/070-warnings.sql words the
 * missing quantities and the CPU scrape gaps), so the pool models' versions are not repeated.
 */
const COVERED_CHECKS = new Set(['missing_pss', 'missing_uss', 'scrape_gaps']);

/**
 * Adds the pool models' figures (workers, restarts, startup, steady-state CPU and memory,
 * phases, source agreement) to each deployment of the report, next to the report's own
 * window figures, and their data-quality findings to the warnings. Both use the same
 * baseline rule, so the deltas merge key by key.
 */
export function mergePoolReport(
  deployments: DeploymentSummary[],
  warnings: ReportSummary['warnings'],
  pool: PoolReport,
): void {
  for (const d of deployments) {
    const p = pool.deployments.find((x) => x.name === d.name);
    if (p === undefined) continue;
    d.workers = p.workers;
    d.restarts = p.restarts;
    d.workers_lost = p.workers_lost;
    d.startup = p.startup;
    d.steady = p.steady;
    Object.assign(d.cpu, p.cpu);
    Object.assign(d.memory, p.memory);
    d.phases = p.phases;
    d.process_list = p.process_list;
    d.sources = p.sources;
    if (d.delta !== null && p.delta !== null) Object.assign(d.delta, p.delta);
    d.delta_absolute = p.delta_absolute;
    for (const q of p.quality)
      if (!COVERED_CHECKS.has(q.check)) warnings.push({ deployment: d.name, message: q.message });
  }
}
