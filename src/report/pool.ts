import { rangeMismatches } from '../models/pool-report.js';
import type { PoolReport } from '../models/pool-types.js';
import type { DeploymentSummary, ReportSummary } from './summary.js';

/**
 * Checks the report's own warnings already cover (src/report/sql/070-warnings.sql words the
 * missing quantities and the CPU scrape gaps), so the pool models' versions are not repeated.
 */
const COVERED_CHECKS = new Set(['missing_pss', 'missing_uss', 'scrape_gaps']);

/**
 * The pool models' data-quality findings as report warnings, and a steady state much longer or
 * shorter than the baseline's (`deployments` in the report's order: the baseline first).
 */
export function poolWarnings(pool: PoolReport, deployments: DeploymentSummary[]): ReportSummary['warnings'] {
  const out: ReportSummary['warnings'] = [];
  for (const d of deployments) {
    const p = pool.deployments.find((x) => x.name === d.name)!;
    for (const q of p.quality)
      if (!COVERED_CHECKS.has(q.check) && q.check !== 'time_range_mismatch')
        out.push({ deployment: d.name, message: q.message });
  }
  for (const m of rangeMismatches(deployments)) out.push({ deployment: m.deployment, message: m.message });
  return out;
}
