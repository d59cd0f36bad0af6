import { fixed, mib, percent } from '../format.js';
import type { DeploymentSummary, Finding } from '../summary.js';

/** rss-overstates answers in the Answer section from this overstatement on (half as much again). */
export const RSS_OVERSTATES_ANSWER = 1.5;

/** Memory findings: what summed RSS overstates, and PSS against the baseline (`deployments`: the baseline first). */
export function memoryFindings(deployments: DeploymentSummary[]): Finding[] {
  const [base, ...others] = deployments;
  if (!base) return [];
  const out: Finding[] = [];
  for (const d of deployments) {
    const rss = d.memory.rss_bytes_at_pss_peak;
    const pss = d.memory.peak.pss_bytes;
    if (rss !== null && pss !== null && d.memory.rss_over_pss !== null) {
      out.push({
        id: 'rss-overstates',
        severity: 'info',
        deployment: d.name,
        text:
          `${d.name}: summing RSS over its processes gives ${mib(rss)} at the moment of the PSS peak, ` +
          `but PSS (which splits each shared page among the processes mapping it) gives ${mib(pss)}: ` +
          `summed RSS overstates the memory used ${fixed(d.memory.rss_over_pss, 2)}×.`,
        values: { rss_bytes: rss, pss_bytes: pss, rss_over_pss: d.memory.rss_over_pss },
        ...(d.memory.rss_over_pss >= RSS_OVERSTATES_ANSWER
          ? {
              answer:
                `Summed RSS would overstate ${d.name}'s memory ${fixed(d.memory.rss_over_pss, 2)}× ` +
                `(${mib(rss)} against ${mib(pss)} PSS at its PSS peak): RSS counts a shared page once ` +
                `per process that maps it.`,
            }
          : {}),
      });
    }
  }
  for (const d of others) {
    const steady = steadyValues(d, base);
    const pss = d.memory.peak.pss_bytes;
    const basePss = base.memory.peak.pss_bytes;
    if (pss !== null && basePss !== null) {
      const diff = pss - basePss;
      const change = d.delta?.['memory.peak.pss_bytes'] ?? null;
      const more = diff >= 0;
      out.push({
        id: 'pss-vs-baseline',
        severity: 'major',
        deployment: d.name,
        text:
          `${d.name} peaks at ${mib(pss)} PSS, ${mib(Math.abs(diff))} ${more ? 'more' : 'less'} than ` +
          `${base.name} (${mib(basePss)}, ${percent(change)}).` +
          (Math.abs(diff) > 0.1 * basePss
            ? more
              ? ` Its processes share fewer pages: workers that import the application themselves ` +
                `(spawned, or forked without preloading) each hold a private copy of it, whereas workers ` +
                `forked from a preloaded master share it copy-on-write.`
              : ` Its processes together hold fewer pages at that moment: fewer private pages per ` +
                `process, fewer processes alive, or pages shared copy-on-write with a master that ` +
                `preloaded the application (compare the USS and per-worker rows of the verdict).`
            : ''),
        values: {
          pss_bytes: pss,
          baseline_pss_bytes: basePss,
          difference_bytes: diff,
          relative_change: change,
          ...steady,
        },
        ...(steadyAnswer(d, base, steady) ?? {}),
      });
    }
  }
  return out;
}

/** The steady state's medians (not the peaks, which a worker being replaced inflates), per live worker too. */
function steadyValues(d: DeploymentSummary, base: DeploymentSummary) {
  return {
    steady_pss_bytes: d.memory.pss_bytes,
    baseline_steady_pss_bytes: base.memory.pss_bytes,
    pss_bytes_per_worker: d.memory.per_worker.pss_bytes,
    baseline_pss_bytes_per_worker: base.memory.per_worker.pss_bytes,
    per_worker_relative_change: d.delta?.['memory.per_worker.pss_bytes'] ?? null,
    workers_alive: d.memory.workers_alive,
    baseline_workers_alive: base.memory.workers_alive,
    steady_uss_bytes: d.memory.uss_bytes,
    baseline_steady_uss_bytes: base.memory.uss_bytes,
  };
}

/** pss-vs-baseline's answer: like for like, per live worker over the steady state. */
function steadyAnswer(
  d: DeploymentSummary,
  base: DeploymentSummary,
  v: ReturnType<typeof steadyValues>,
): { answer: string } | null {
  const change = v.per_worker_relative_change;
  if (
    v.steady_pss_bytes === null ||
    v.baseline_steady_pss_bytes === null ||
    v.pss_bytes_per_worker === null ||
    v.baseline_pss_bytes_per_worker === null ||
    change === null
  )
    return null;
  const uss =
    v.steady_uss_bytes !== null && v.baseline_steady_uss_bytes !== null
      ? `; of it private (USS) ${mib(v.steady_uss_bytes)} against ${mib(v.baseline_steady_uss_bytes)}`
      : '';
  return {
    answer:
      `${d.name}'s processes held ${mib(v.steady_pss_bytes)} PSS (steady-state median) against ` +
      `${mib(v.baseline_steady_pss_bytes)} for ${base.name}: ${percent(change)} per live worker ` +
      `(${mib(v.pss_bytes_per_worker)} with ${workers(v.workers_alive)} workers alive, against ` +
      `${mib(v.baseline_pss_bytes_per_worker)} with ${workers(v.baseline_workers_alive)})${uss}.`,
  };
}

/** A median count of workers: whole, or halfway between two counts (e.g. 3.5). */
function workers(median: number | null): string {
  return median === null ? 'n/a' : Number.isInteger(median) ? String(median) : median.toFixed(1);
}
