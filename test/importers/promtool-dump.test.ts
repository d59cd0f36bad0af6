import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/base/errors.js';
import { tempDir } from '../helpers/cli.js';
import {
  expectedMap,
  importFiles,
  importedSamples,
  keyOf,
  seriesSet,
  storedSamples,
  withoutEmptyLabels,
  type TestSeries,
} from '../helpers/samples.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
let dirCount = 0;
const freshDir = () => {
  const dir = join(tmp.dir, `case-${dirCount++}`);
  mkdirSync(dir);
  return dir;
};

/** Go's fmt %g (strconv.FormatFloat(v, 'g', -1, 64)): shortest digits, %e when the exponent is < -4 or >= the precision */
function goG(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mantissa, expText] = v.toExponential().split('e') as [string, string];
  const digits = mantissa.replace('-', '').replace('.', '');
  const exp = Number(expText);
  // Go: eprec = 6 for shortest; if eprec > digits && digits >= decimal-point position, eprec = digits.
  let eprec = 6;
  if (eprec > digits.length && digits.length >= exp + 1) eprec = digits.length;
  if (exp < -4 || exp >= eprec) {
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : `${Math.abs(exp)}`;
    return `${mantissa}e${exp < 0 ? '-' : '+'}${e}`;
  }
  return String(v);
}

/** Go's strconv.Quote for the characters the test alphabet holds. */
function goQuote(s: string): string {
  // eslint-disable-next-line no-control-regex -- Go escapes exactly these control characters
  const escaped = s.replace(/[\\"\n\t\r\x00-\x1f\x7f]/g, (c) =>
    c === '\\'
      ? '\\\\'
      : c === '"'
        ? '\\"'
        : c === '\n'
          ? '\\n'
          : c === '\t'
            ? '\\t'
            : c === '\r'
              ? '\\r'
              : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return `"${escaped}"`;
}

/** Renders series as `promtool tsdb dump` (labels sorted, ", " separated, ms) or `dump-openmetrics` (seconds, # EOF). */
function renderDump(series: TestSeries[], openMetrics: boolean): string {
  const lines: string[] = [];
  for (const s of series) {
    const sorted = Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : 1));
    for (const [ts, v] of s.samples) {
      if (openMetrics) {
        const labels = sorted.map(([k, x]) => `${k}=${goQuote(x)}`).join(',');
        lines.push(
          `${s.metric}{${labels}} ${goG(v)} ${Math.floor(ts / 1000)}.${String(ts % 1000).padStart(3, '0')}`,
        );
      } else {
        const all = [['__name__', s.metric], ...sorted].sort(([a], [b]) => (a! < b! ? -1 : 1));
        const labels = all.map(([k, x]) => `${k}=${goQuote(x!)}`).join(', ');
        lines.push(`{${labels}} ${goG(v)} ${ts}`);
      }
    }
  }
  if (openMetrics) lines.push('# EOF');
  return lines.join('\n') + '\n';
}

/** NaN in a dump is read as a staleness marker, stored as NULL. */
const staleNull = (series: TestSeries[]) =>
  new Map([...expectedMap(series)].map(([k, v]) => [k, v.map(([t, x]) => [t, Number.isNaN(x) ? null : x])]));

describe('promtool-dump', () => {
  it('Go %g writer matches known promtool output', () => {
    // Values as printed by promtool 2.42 on this machine (see the backfill test below).
    expect([1.5, 2e-300, 1e21, 145393472, 100000, 1e6, 0.0001, 0.00001, 17.25].map(goG)).toEqual([
      '1.5',
      '2e-300',
      '1e+21',
      '1.45393472e+08',
      '100000',
      '1e+06',
      '0.0001',
      '1e-05',
      '17.25',
    ]);
  });

  it.each([
    ['tsdb dump', false],
    ['tsdb dump-openmetrics', true],
  ])(
    'round trip (%s): any set of series comes back exactly, NaN as staleness markers',
    async (_n, openMetrics) => {
      await fc.assert(
        fc.asyncProperty(seriesSet(), async (series) => {
          const { format, stored } = await importedSamples(
            freshDir(),
            { dump: renderDump(series, openMetrics as boolean) },
            'dump',
          );
          expect(format).toBe('promtool-dump');
          expect(stored).toEqual(staleNull(series));
        }),
        { numRuns: 25 },
      );
    },
  );

  const promtool = spawnSync('promtool', ['--version']).status === 0;
  it.skipIf(!promtool)(
    'reads a real dump: backfill random series with promtool, dump them, import the dump',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          seriesSet({ finite: true, maxSeries: 4 }).map(withoutEmptyLabels),
          async (series) => {
            const dir = freshDir();
            // OpenMetrics input for the backfill: one family per metric name.
            const names = [...new Set(series.map((s) => s.metric))];
            const om = names
              .flatMap((name) =>
                series
                  .filter((s) => s.metric === name)
                  .flatMap((s) => {
                    const labels = Object.entries(s.labels)
                      .map(
                        ([k, v]) =>
                          `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
                      )
                      .join(',');
                    return s.samples.map(([t, v]) => `${name}{${labels}} ${v} ${t / 1000}`);
                  }),
              )
              .concat('# EOF')
              .join('\n');
            writeFileSync(join(dir, 'in.om'), om + '\n');
            const create = spawnSync(
              'promtool',
              ['tsdb', 'create-blocks-from', 'openmetrics', 'in.om', 'data'],
              { cwd: dir, encoding: 'utf8' },
            );
            expect(create.status, create.stderr).toBe(0);
            mkdirSync(join(dir, 'data/wal'), { recursive: true });
            const dump = spawnSync('promtool', ['tsdb', 'dump', 'data'], {
              cwd: dir,
              encoding: 'utf8',
              maxBuffer: 1 << 26,
            });
            expect(dump.status, dump.stderr).toBe(0);
            const { format, stored } = await importedSamples(dir, { 'dump.txt': dump.stdout }, 'dump.txt');
            expect(format).toBe('promtool-dump');
            expect(stored).toEqual(expectedMap(series));
            // The writer above renders exactly what promtool printed (sorted like the TSDB).
            const ours = renderDump(series, false).split('\n').filter(Boolean).sort();
            expect(readFileSync(join(dir, 'dump.txt'), 'utf8').split('\n').filter(Boolean).sort()).toEqual(
              ours,
            );
          },
        ),
        { numRuns: 4 },
      );
    },
  );

  it('keeps staleness markers as NULL and warns about them; ignores native histograms with a warning', async () => {
    const text = [
      '{__name__="up", instance="h:9100", job="node"} 1 1700000000000',
      '{__name__="up", instance="h:9100", job="node"} NaN 1700000015000',
      '{__name__="h", job="node"} {count:2, sum:3, [1,2]:2} 1700000000000',
      '',
    ].join('\n');
    const { db } = await importFiles(freshDir(), { 'dump.txt': text }, 'dump.txt');
    try {
      expect(await storedSamples(db)).toEqual(
        new Map([
          [
            keyOf('up', { instance: 'h:9100', job: 'node' }),
            [
              [1700000000000, 1],
              [1700000015000, null],
            ],
          ],
        ]),
      );
      const [imp] = await db.rowsJS(`SELECT warnings::VARCHAR AS w FROM imports`);
      expect(imp!.w).toMatch(/1 NaN samples read as staleness markers.*1 native histogram samples skipped/);
    } finally {
      db.close();
    }
  });

  it('dump-openmetrics of an empty range (`# EOF` alone) imports no samples with a warning; an empty file is an error', async () => {
    const { db } = await importFiles(freshDir(), { 'dump.om': '# EOF\n' }, 'dump.om', {
      format: 'promtool-dump',
    });
    try {
      expect(await db.rowsJS(`SELECT samples, warnings FROM imports`)).toEqual([
        { samples: 0n, warnings: ['the input holds no samples'] },
      ]);
    } finally {
      db.close();
    }
    const error = await importFiles(freshDir(), { 'dump.txt': '\n' }, 'dump.txt', {
      format: 'promtool-dump',
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/dump\.txt: no samples in the file$/);
  });

  it.each([
    ['a missing timestamp', '{__name__="up"} 1\n', /:1:18: cannot read sample timestamp ""/],
    ['a bad escape', '{__name__="up", a="\\q"} 1 1000\n', /:1:20: bad escape sequence/],
    ['a bad value', '{__name__="up"} one 1000\n', /:1:17: cannot read sample value "one"/],
  ])('%s is a one-line error with its position', async (_n, text, expected) => {
    const error = await importFiles(freshDir(), { 'dump.txt': text }, 'dump.txt').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(expected);
  });
});
