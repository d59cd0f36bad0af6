import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { CAPTURE } from '../../helpers/cli.js';
import { hostileText, promName } from '../hostile.js';
import type { FuzzInput, FuzzSpec } from '../spec.js';
import { wellFormed } from './real-series.js';

const SCRAPES = join(CAPTURE, 'scrapes/uvicorn-spawn');

/** Label values escape backslash, double quote and newline (exposition format 0.0.4). */
const escapeValue = (v: string) =>
  wellFormed(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
/** HELP escapes backslash and newline. */
const escapeHelp = (v: string) => wellFormed(v).replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

const value = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.constantFrom('NaN', '+Inf', '-Inf', '0', '1e-300', '-1.5e+300'),
);

const family = fc.record({
  name: promName.filter((n) => !/_(created|total|bucket|count|sum)$/.test(n)),
  type: fc.constantFrom('counter', 'gauge', 'untyped'),
  help: hostileText,
  samples: fc.array(
    fc.record({
      labels: fc.dictionary(
        promName.filter((n) => !n.startsWith('__')),
        hostileText,
        { maxKeys: 3 },
      ),
      value,
      ts: fc.option(fc.integer({ min: 0, max: 4_102_444_800_000 }), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 5 },
  ),
});

function render(
  families: {
    name: string;
    type: string;
    help: string;
    samples: { labels: Record<string, string>; value: string; ts?: number }[];
  }[],
): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const f of families) {
    if (seen.has(f.name)) continue;
    seen.add(f.name);
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    const keys = new Set<string>();
    for (const s of f.samples) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${escapeValue(v)}"`)
        .join(',');
      // One sample per series and scrape: a repeated label set is left out.
      if (keys.has(labels)) continue;
      keys.add(labels);
      lines.push(`${f.name}${labels ? `{${labels}}` : ''} ${s.value}${s.ts === undefined ? '' : ` ${s.ts}`}`);
    }
  }
  return lines.join('\n') + '\n';
}

export const promTextSpec: FuzzSpec = {
  format: 'prom-text',
  seeds: () =>
    readdirSync(SCRAPES)
      .sort()
      .slice(0, 4)
      .map((name): FuzzInput => ({ kind: 'file', name, bytes: readFileSync(join(SCRAPES, name)) })),
  valid: fc.array(family, { minLength: 1, maxLength: 4 }).map((families) => ({
    input: { kind: 'file', name: '1795793149305.prom', bytes: Buffer.from(render(families)) },
  })),
};
