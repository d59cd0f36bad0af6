import fc from 'fast-check';
import { MODES } from '../../helpers/cli.js';
import { hostileText, promName } from '../hostile.js';
import type { FuzzInput, FuzzSpec } from '../spec.js';
import { realSeries, seriesIdentity, wellFormed, type RealSeries } from './real-series.js';

/** Go's strconv.Quote for the characters that matter here (JSON's escapes are a subset Go reads). */
const goQuote = (s: string) => JSON.stringify(wellFormed(s));

/** Go's %g: NaN, +Inf, -Inf, else the shortest representation. */
function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** `promtool tsdb dump` lines: sorted labels with __name__ first, value, ms timestamp. */
function render(series: RealSeries[]): string {
  const lines: string[] = [];
  for (const s of series) {
    const labels = Object.entries(s.labels)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}=${goQuote(v)}`)
      .join(', ');
    for (const [t, v] of s.samples) lines.push(`{${labels}} ${goFloat(v)} ${t}`);
  }
  return lines.join('\n') + '\n';
}

const series = fc.record({
  labels: fc
    .dictionary(promName, hostileText, { maxKeys: 4 })
    .chain((l) => promName.map((name) => ({ ...l, __name__: name }))),
  // one sample per timestamp: a repeated timestamp keeps only its first sample (as Prometheus does)
  samples: fc.uniqueArray(
    fc.tuple(
      fc.integer({ min: 0, max: 4_102_444_800_000 }),
      fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(Infinity, -Infinity)),
    ),
    { minLength: 1, maxLength: 20, selector: ([t]) => t },
  ),
});

export const promtoolDumpSpec: FuzzSpec = {
  format: 'promtool-dump',
  seeds: () =>
    MODES.map((mode): FuzzInput => ({
      kind: 'file',
      name: `${mode}.dump.txt`,
      bytes: Buffer.from(render(realSeries(mode))),
    })),
  // distinct label sets: two series of one label set would be one series with repeated timestamps
  valid: fc.uniqueArray(series, { minLength: 1, maxLength: 5, selector: seriesIdentity }).map((list) => ({
    input: { kind: 'file', name: 'generated.dump.txt', bytes: Buffer.from(render(list)) },
    samples: list.reduce((n, s) => n + s.samples.length, 0),
  })),
};
