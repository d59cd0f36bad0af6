import { fixed, percent } from '../format.js';
import type { DeploymentSummary, Finding } from '../summary.js';

/** CPU findings: each deployment's CPU-seconds against the baseline's (`deployments`: the baseline first). */
export function cpuFindings(deployments: DeploymentSummary[]): Finding[] {
  const [base, ...others] = deployments;
  if (!base) return [];
  const out: Finding[] = [];
  for (const d of others) {
    const cpu = d.cpu.seconds;
    const baseCpu = base.cpu.seconds;
    if (cpu !== null && baseCpu !== null) {
      const change = d.delta?.['cpu.seconds'] ?? null;
      out.push({
        id: 'cpu-vs-baseline',
        severity: 'major',
        deployment: d.name,
        text:
          `${d.name} used ${fixed(cpu, 1)} CPU-seconds over its ${fixed(d.duration_seconds, 0)} s window ` +
          `(${fixed(d.cpu.window_cores_mean, 2)} cores on average), against ${fixed(baseCpu, 1)} for ` +
          `${base.name} (${percent(change)}).` +
          (change !== null && Math.abs(change) < 0.05
            ? ' Within 5 %: for this workload the process model does not change the total CPU used.'
            : ''),
        values: {
          cpu_seconds: cpu,
          baseline_cpu_seconds: baseCpu,
          relative_change: change,
          window_seconds: d.duration_seconds,
          baseline_window_seconds: base.duration_seconds,
        },
        // a total over each window: the work done in it is not part of this comparison
        answer:
          `${d.name} used ${fixed(cpu, 1)} CPU-seconds over its ${fixed(d.duration_seconds, 0)} s window, ` +
          `against ${fixed(baseCpu, 1)} over the ${fixed(base.duration_seconds, 0)} s of ${base.name} ` +
          `(${percent(change)}): totals over the whole window, not per request served.`,
      });
    }
  }
  return out;
}
