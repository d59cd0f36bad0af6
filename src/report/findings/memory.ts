import { fixed, mib, percent } from '../format.js';
import type { DeploymentSummary, Finding } from '../summary.js';

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
      });
    }
  }
  for (const d of others) {
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
        },
      });
    }
  }
  return out;
}
