import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Semantics } from '../../src/promql/semantics.js';
import { FIXTURES } from '../helpers/cli.js';
import { HISTOGRAMS, newTally, runScript } from './promqltest-run.js';

/**
 * Runs Prometheus' own PromQL test files against our engine (promqltest-run.ts): every eval that
 * reads only float samples is run and compared as promqltest does; valid PromQL outside what we
 * compile is skipped, each skip counted under its reason. The target: at least 95 % of the
 * float-only evals pass, none fails.
 */

/**
 * windows: the planner's gridWindowsPerSample. By default instant queries and range queries whose
 * windows overlap little take promql_grid_windows, the others promql_range_windows (ASOF joins)
 * and over-time aggregates by segments; 0 and Infinity force one way for every query, so both
 * stay exact (test/promql/windows.test.ts compares them on random data).
 */
const VERSIONS: { dir: string; semantics: Semantics; windows?: number }[] = [
  { dir: 'prometheus-3.14', semantics: 'prometheus-3' },
  { dir: 'prometheus-2.42', semantics: 'prometheus-2.42' },
  { dir: 'prometheus-3.14', semantics: 'prometheus-3', windows: 0 },
  { dir: 'prometheus-2.42', semantics: 'prometheus-2.42', windows: Infinity },
];

function windowsLabel(windows: number | undefined): string {
  if (windows === undefined) return '';
  return windows === 0
    ? ', range windows by ASOF joins and segments only'
    : ', range windows on the step grid only';
}

describe('PromQL conformance (Prometheus test files)', () => {
  for (const { dir, semantics, windows } of VERSIONS) {
    it(`${dir} with --semantics ${semantics}${windowsLabel(windows)}: every in-scope case passes`, async () => {
      const tally = newTally();
      const folder = join(FIXTURES, 'conformance', dir);
      for (const file of readdirSync(folder)
        .filter((f) => f.endsWith('.test'))
        .sort()) {
        await runScript(readFileSync(join(folder, file), 'utf8'), file, semantics, windows, tally);
      }
      const skipped = [...tally.skipped.values()].reduce((a, b) => a + b, 0);
      // The scope of the target: every eval that reads only float samples.
      const floatOnly = tally.passed + tally.failed.length + skipped - (tally.skipped.get(HISTOGRAMS) ?? 0);
      const reasons = [...tally.skipped.entries()]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([reason, n]) => `  ${n} × ${reason}`);
      console.log(
        [
          `${dir} (--semantics ${semantics}${windowsLabel(windows)})`,
          `conformance: ${tally.passed} passed, ${tally.failed.length} failed, ${skipped} skipped`,
          `float-only cases: ${tally.passed} of ${floatOnly} pass (${((100 * tally.passed) / floatOnly).toFixed(1)} %)`,
          'skipped because:',
          ...reasons,
          ...tally.failed.map((f) => `FAILED ${f}`),
        ].join('\n'),
      );
      expect(tally.failed).toEqual([]);
      expect(tally.passed / floatOnly).toBeGreaterThanOrEqual(0.95);
    }, 600_000);
  }
});
