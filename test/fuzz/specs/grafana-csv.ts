import fc from 'fast-check';
import { MODES } from '../../helpers/cli.js';
import { hostileText } from '../hostile.js';
import type { FuzzInput, FuzzSpec } from '../spec.js';
import { realSeries, wellFormed, type RealSeries } from './real-series.js';

/** Grafana's display name of a series: metric{a="b", c="d"}, quotes inside values not escaped. */
function displayName(labels: Record<string, string>): string {
  const { __name__ = '', ...rest } = labels;
  const pairs = Object.entries(rest).map(([k, v]) => `${k}="${v}"`);
  return pairs.length > 0 ? `${__name__}{${pairs.join(', ')}}` : __name__;
}

const quote = (cell: string) => `"${cell.replace(/"/g, '""')}"`;

/** "Download CSV", raw data, series joined by time. */
function render(headers: string[], series: [number, number][][], delimiter: string): string {
  const times = [...new Set(series.flatMap((s) => s.map(([t]) => t)))].sort((a, b) => a - b);
  const lines = [['Time', ...headers].map(quote).join(delimiter)];
  for (const t of times) {
    const cells = series.map((s) => {
      const hit = s.find(([ts]) => ts === t);
      return hit === undefined ? '' : String(hit[1]);
    });
    lines.push([String(t), ...cells].join(delimiter));
  }
  return lines.join('\r\n') + '\r\n';
}

const seed = (series: RealSeries[], delimiter: string) =>
  render(
    series.map((s) => displayName(s.labels)),
    series.map((s) => s.samples),
    delimiter,
  );

/** Legends a user may type: any text but the characters that make a series name. */
const legend = hostileText
  .map((t) =>
    wellFormed(t)
      .replace(/[{}"\r\n\0]/g, ' ')
      .trim(),
  )
  .filter((t) => t !== '' && !/^sep=/i.test(t) && t.toLowerCase() !== 'time');

export const grafanaCsvSpec: FuzzSpec = {
  format: 'grafana-csv',
  seeds: () =>
    MODES.map((mode, i): FuzzInput => ({
      kind: 'file',
      name: `${mode}.csv`,
      bytes: Buffer.from(seed(realSeries(mode), [',', ';', '\t'][i]!)),
    })),
  valid: fc
    .array(
      fc.record({
        legend,
        samples: fc.array(
          fc.tuple(
            fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }),
            fc.double({ noNaN: true, noDefaultInfinity: true }),
          ),
          { minLength: 1, maxLength: 10 },
        ),
      }),
      { minLength: 1, maxLength: 4 },
    )
    .map((list) => {
      const unique = list.filter((s, i) => list.findIndex((o) => o.legend === s.legend) === i);
      const samples = unique.map((s) => [...new Map(s.samples).entries()] as [number, number][]);
      return {
        input: {
          kind: 'file' as const,
          name: 'generated.csv',
          bytes: Buffer.from(
            render(
              unique.map((s) => s.legend),
              samples,
              ',',
            ),
          ),
        },
        samples: samples.reduce((n, s) => n + s.length, 0),
      };
    }),
};
