import fc from 'fast-check';
import { MODES } from '../../helpers/cli.js';
import { hostileText, promName } from '../hostile.js';
import type { FuzzInput, FuzzSpec } from '../spec.js';
import { realSeries, seriesIdentity, type RealSeries } from './real-series.js';

/** VictoriaMetrics writes NaN as null and infinities as the strings "Infinity" and "-Infinity". */
function vmValue(v: number): number | string | null {
  if (Number.isNaN(v)) return null;
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

/** One line per block of at most `block` samples, as /api/v1/export writes a series. */
function render(series: RealSeries[], block: number): string {
  const lines: string[] = [];
  for (const s of series) {
    for (let i = 0; i < Math.max(1, s.samples.length); i += block) {
      const part = s.samples.slice(i, i + block);
      lines.push(
        JSON.stringify({
          metric: s.labels,
          values: part.map(([, v]) => vmValue(v)),
          timestamps: part.map(([t]) => t),
        }),
      );
    }
  }
  return lines.join('\n') + '\n';
}

const value = fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity));
const series = fc.record({
  labels: fc
    .dictionary(fc.oneof(promName, hostileText), hostileText, { maxKeys: 4 })
    .chain((l) => fc.oneof(promName, hostileText).map((name) => ({ ...l, __name__: name }))),
  // one sample per timestamp: a repeated timestamp keeps only its first sample (as Prometheus does)
  samples: fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 4_102_444_800_000 }), value), {
    minLength: 1,
    maxLength: 20,
    selector: ([t]) => t,
  }),
});

export const vmJsonlSpec: FuzzSpec = {
  format: 'vm-jsonl',
  seeds: () =>
    MODES.map((mode, i): FuzzInput => ({
      kind: 'file',
      name: `${mode}.jsonl`,
      bytes: Buffer.from(render(realSeries(mode), [1000, 50, 7][i]!)),
    })),
  valid: fc
    .tuple(
      // distinct label sets: two series of one label set would be one series with repeated timestamps
      fc.uniqueArray(series, { minLength: 1, maxLength: 5, selector: seriesIdentity }),
      fc.integer({ min: 1, max: 10 }),
    )
    .map(([list, block]) => ({
      input: { kind: 'file', name: 'generated.jsonl', bytes: Buffer.from(render(list, block)) },
      samples: list.reduce((n, s) => n + s.samples.length, 0),
    })),
};
