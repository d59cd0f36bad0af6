/**
 * `npm run bench`: see bench/harness.ts.
 *
 *   npm run bench                         # 20M samples (1000 series × 20000 points)
 *   npm run bench -- --samples 5M         # another size
 *   npm run bench -- --scaling            # plus our import and report at 1M, 2M, 5M, 10M, 20M
 *   npm run bench -- --scaling --scaling-to 500M   # ... and 50M, 100M, 200M, 500M (1B: --scaling-to 1G)
 *   npm run bench -- --no-baselines       # ours only
 *   npm run bench -- --procfs-snapshots 0 # no /proc snapshot set (default 1800 snapshots × 16 workers)
 *   npm run bench -- --runs 1             # each of ours once (default 3: the median run is shown)
 *   npm run bench -- --no-prometheus      # without the PromQL head-to-head against Prometheus
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, SCALING, parseCount, runBench } from './harness.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      samples: { type: 'string', default: '20M' },
      series: { type: 'string', default: '1000' },
      'data-dir': { type: 'string', default: join(ROOT, 'bench/data') },
      scaling: { type: 'boolean', default: false },
      'scaling-to': { type: 'string' },
      'no-baselines': { type: 'boolean', default: false },
      step: { type: 'string', default: '60s' },
      'procfs-snapshots': { type: 'string', default: '1800' },
      'procfs-workers': { type: 'string', default: '16' },
      runs: { type: 'string', default: '3' },
      'no-prometheus': { type: 'boolean', default: false },
    },
  });
  const samples = parseCount(values.samples!);
  const result = await runBench({
    samples,
    series: parseCount(values.series!),
    dataDir: values['data-dir']!,
    baselines: !values['no-baselines'],
    scaling: values.scaling
      ? SCALING.filter((s) => s <= (values['scaling-to'] ? parseCount(values['scaling-to']) : samples))
      : [],
    step: values.step!,
    procfs: {
      snapshots: parseCount(values['procfs-snapshots']!),
      workers: parseCount(values['procfs-workers']!),
    },
    runs: Math.max(1, parseCount(values.runs!)),
    prometheus: !values['no-prometheus'],
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${result.table}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
