import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Expr, LabelMatcher } from '../../src/promql/ast.js';
import { evaluatePromql, type PromqlResult } from '../../src/promql/engine.js';
import { PromqlUnsupportedError } from '../../src/promql/errors.js';
import { parsePromql } from '../../src/promql/parser.js';
import type { Semantics } from '../../src/promql/semantics.js';
import { SampleBuffer, STALE_NAN, type ImportBatch, type SeriesDef } from '../../src/store/batch.js';
import { TraceDatabase } from '../../src/store/database.js';
import { loadImport } from '../../src/store/loader.js';
import { FIXTURES } from '../helpers/cli.js';
import { parseScript, type Command, type SeriesValues } from './promqltest.js';

/**
 * Runs Prometheus' own PromQL test files against our engine. Every eval whose expression parses
 * within the subset (docs/promql.md) and reads only float samples is run and compared as
 * promqltest does (same series, same timestamps, values equal or both NaN or within 1e-6
 * relative); everything else is skipped with the reason, grouped.
 */

/**
 * windows: the planner's gridWindowsPerSample. By default instant queries and range queries whose
 * windows overlap little take promql_grid_windows, the others promql_range_windows (ASOF joins);
 * 0 and Infinity force one way for every query, so both stay exact (test/promql/windows.test.ts
 * compares the two on random data).
 */
const VERSIONS: { dir: string; semantics: Semantics; windows?: number }[] = [
  { dir: 'prometheus-3.14', semantics: 'prometheus-3' },
  { dir: 'prometheus-2.42', semantics: 'prometheus-2.42' },
  { dir: 'prometheus-3.14', semantics: 'prometheus-3', windows: 0 },
  { dir: 'prometheus-2.42', semantics: 'prometheus-2.42', windows: Infinity },
];

function windowsLabel(windows: number | undefined): string {
  if (windows === undefined) return '';
  return windows === 0 ? ', range windows by ASOF joins only' : ', range windows on the step grid only';
}

type Eval = Extract<Command, { kind: 'eval' }>;

interface Tally {
  passed: number;
  failed: string[];
  skipped: Map<string, number>;
}

describe('PromQL conformance (Prometheus test files)', () => {
  for (const { dir, semantics, windows } of VERSIONS) {
    it(`${dir} with --semantics ${semantics}${windowsLabel(windows)}: every in-scope case passes`, async () => {
      const tally: Tally = { passed: 0, failed: [], skipped: new Map() };
      const folder = join(FIXTURES, 'conformance', dir);
      for (const file of readdirSync(folder)
        .filter((f) => f.endsWith('.test'))
        .sort()) {
        await runFile(join(folder, file), file, semantics, windows, tally);
      }
      const skipped = [...tally.skipped.values()].reduce((a, b) => a + b, 0);
      const reasons = [...tally.skipped.entries()]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([reason, n]) => `  ${n} × ${reason}`);
      console.log(
        [
          `${dir} (--semantics ${semantics}${windowsLabel(windows)})`,
          `conformance: ${tally.passed} passed, ${tally.failed.length} failed, ${skipped} skipped`,
          'skipped because:',
          ...reasons,
          ...tally.failed.map((f) => `FAILED ${f}`),
        ].join('\n'),
      );
      expect(tally.failed).toEqual([]);
      expect(tally.passed).toBeGreaterThan(100);
    }, 600_000);
  }
});

async function runFile(
  path: string,
  file: string,
  semantics: Semantics,
  windows: number | undefined,
  tally: Tally,
): Promise<void> {
  const commands = parseScript(readFileSync(path, 'utf8'));
  let db: TraceDatabase | undefined;
  let histograms: Record<string, string>[] = [];
  let loads = 0;
  try {
    for (const cmd of commands) {
      if (cmd.kind === 'clear') {
        db?.close();
        db = undefined;
        histograms = [];
      } else if (cmd.kind === 'load') {
        db ??= await TraceDatabase.open(':memory:');
        await loadImport(
          db,
          {
            deployment: 'conformance',
            path: `${file}:${cmd.line}`,
            format: 'promqltest',
            sha256: sha(`${file}:${++loads}`),
          },
          batches(cmd.intervalMs, cmd.series),
        );
        for (const s of cmd.series.filter((x) => x.histogram))
          histograms.push({ __name__: s.metric, ...s.labels });
      } else {
        db ??= await TraceDatabase.open(':memory:');
        const reason = await runEval(db, cmd, semantics, windows, histograms);
        const where = `${file}:${cmd.line} ${cmd.query}`;
        if (reason === 'passed') tally.passed++;
        else if (reason.startsWith('skip: ')) {
          const r = reason.slice(6);
          tally.skipped.set(r, (tally.skipped.get(r) ?? 0) + 1);
        } else tally.failed.push(`${where}: ${reason}`);
      }
    }
  } finally {
    db?.close();
  }
}

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The load block as one import batch through the store's loader (histogram lines are left out). */
async function* batches(intervalMs: number, series: SeriesValues[]): AsyncGenerator<ImportBatch> {
  // A label set given twice in one load: the later line replaces the earlier (promqltest's loadCmd.set).
  const byKey = new Map(series.filter((s) => !s.histogram).map((s) => [expectedKey(s), s]));
  const floats = [...byKey.values()];
  const samples = new SampleBuffer(
    Math.max(
      1,
      floats.reduce((n, s) => n + s.values.length, 0),
    ),
  );
  const defs: SeriesDef[] = floats.map((s, i) => ({
    ref: i,
    metric: s.metric,
    labels: s.labels,
    kind: 'unknown',
  }));
  floats.forEach((s, i) =>
    s.values.forEach((v, k) => {
      if (v !== undefined) samples.push(i, k * intervalMs, v === 'stale' ? STALE_NAN : v);
    }),
  );
  yield { series: defs, samples: samples.take() };
}

/** 'passed', 'skip: <reason>' or the failure. */
async function runEval(
  db: TraceDatabase,
  cmd: Eval,
  semantics: Semantics,
  windows: number | undefined,
  histograms: Record<string, string>[],
): Promise<string> {
  if (cmd.stringResult) return 'skip: string result';
  let expr: Expr;
  try {
    expr = parsePromql(cmd.query);
  } catch (e) {
    if (e instanceof PromqlUnsupportedError) return `skip: ${e.construct}`;
    return cmd.fail ? 'passed' : `query refused: ${(e as Error).message}`;
  }
  if (selectors(expr).some((ms) => histograms.some((h) => ms.every((m) => matches(m, h)))))
    return 'skip: native histogram samples';
  let result: PromqlResult;
  try {
    result = await evaluatePromql(db, {
      query: cmd.query,
      semantics,
      deploymentLabel: false,
      gridWindowsPerSample: windows,
      // Forcing a way forces it for every series (no windows by segments for counters).
      segmentWindows: windows === undefined,
      ...(cmd.instant ? { time: cmd.startMs } : { start: cmd.startMs, end: cmd.endMs, step: cmd.stepMs }),
    });
  } catch (e) {
    if (e instanceof PromqlUnsupportedError) return `skip: ${e.construct}`;
    return cmd.fail ? 'passed' : `query failed: ${(e as Error).message}`;
  }
  if (cmd.fail) return 'expected the query to fail, it succeeded';
  return compare(cmd, result);
}

function selectors(e: Expr): LabelMatcher[][] {
  switch (e.type) {
    case 'vector':
      return [e.matchers];
    case 'matrix':
      return [e.vector.matchers];
    case 'call':
      return selectors(e.arg);
    case 'aggregate':
    case 'unary':
      return selectors(e.expr);
    case 'binary':
      return [...selectors(e.lhs), ...selectors(e.rhs)];
    default:
      return [];
  }
}

function matches(m: LabelMatcher, labels: Record<string, string>): boolean {
  const v = labels[m.name] ?? '';
  const re = () => new RegExp(`^(?:${m.value})$`, 's').test(v);
  return m.op === '=' ? v === m.value : m.op === '!=' ? v !== m.value : m.op === '=~' ? re() : !re();
}

function keyOf(labels: [string, string][]): string {
  return JSON.stringify([...labels].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
}

function expectedKey(s: SeriesValues): string {
  const pairs: [string, string][] = Object.entries(s.labels);
  if (s.metric !== '') pairs.push(['__name__', s.metric]);
  return keyOf(pairs);
}

/** promqltest's almost.Equal with defaultEpsilon 1e-6. */
function almostEqual(a: number, b: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  const minNormal = 2.2250738585072014e-308;
  if (a === 0 || b === 0 || absSum < minNormal) return diff < 1e-6 * minNormal;
  return diff / Math.min(absSum, Number.MAX_VALUE) < 1e-6;
}

function compare(cmd: Eval, result: PromqlResult): string {
  if (result.resultType === 'scalar') {
    const got = result.series[0]!.points[0]!.v;
    if (cmd.scalar === undefined) return `got scalar ${got}, expected series`;
    return almostEqual(cmd.scalar, got) ? 'passed' : `scalar: expected ${cmd.scalar}, got ${got}`;
  }
  if (cmd.scalar !== undefined) return `expected scalar ${cmd.scalar}, got ${result.resultType}`;
  const expected = new Map(cmd.expected.map((s) => [expectedKey(s), s]));
  if (result.series.length !== expected.size)
    return `expected ${expected.size} series, got ${result.series.length}: ${result.series.map((s) => keyOf(s.labels)).join(' ')}`;
  for (const [index, s] of result.series.entries()) {
    const key = keyOf(s.labels);
    const exp = expected.get(key);
    if (!exp) return `unexpected series ${key}`;
    if (cmd.ordered && expectedKey(cmd.expected[index]!) !== key) return `series ${key} out of order`;
    const points: { t: number; v: number }[] = [];
    exp.values.forEach((v, k) => {
      if (v !== undefined && v !== 'stale') points.push({ t: cmd.startMs + k * cmd.stepMs, v });
    });
    if (cmd.instant) points.splice(1);
    if (points.length !== s.points.length)
      return `${key}: expected ${points.length} points, got ${s.points.length} (${s.points.map((p) => `${p.t}:${p.v}`).join(' ')})`;
    for (const [k, p] of points.entries()) {
      const got = s.points[k]!;
      if (got.t !== p.t || !almostEqual(p.v, got.v))
        return `${key}: expected ${p.v} at ${p.t}, got ${got.v} at ${got.t}`;
    }
  }
  return 'passed';
}
