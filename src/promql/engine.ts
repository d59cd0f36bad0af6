import { CliError, UsageError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { loadModels } from '../models/load.js';
import type { TraceDatabase } from '../store/database.js';
import { typeOf } from './ast.js';
import { PromqlSyntaxError, PromqlUnsupportedError } from './errors.js';
import { parsePromql } from './parser.js';
import { anchoredRegex, MANY_TO_MANY, MANY_TO_ONE, planQuery, QUERY_ERROR, regexesOf } from './planner.js';
import { semanticsRules, type Semantics } from './semantics.js';

/**
 * PromQL over the canonical model: parse (parser.ts) → plan to one DuckDB statement (planner.ts,
 * with the SQL models of src/models/) → run → shape as Prometheus' API result (format.ts).
 */

export interface PromqlRequest {
  query: string;
  /** Instant query at this unix ms, or a range query over start..end by step (ms). */
  time?: number;
  start?: number;
  end?: number;
  step?: number;
  semantics: Semantics;
  deployment?: string;
  /** Default true: every series carries its deployment as label `deployment`. */
  deploymentLabel?: boolean;
  /** How range functions find their windows (planner.ts EvalContext); tests force each way. */
  gridWindowsPerSample?: number;
}

export interface PromqlSeries {
  labels: [string, string][];
  points: { t: number; v: number }[];
}

export interface PromqlResult {
  resultType: 'matrix' | 'vector' | 'scalar';
  series: PromqlSeries[];
}

/** Prometheus refuses range queries of more than 11,000 steps (web/api/v1 queryRange). */
const MAX_POINTS = 11_000;

export async function evaluatePromql(db: TraceDatabase, request: PromqlRequest): Promise<PromqlResult> {
  const expr = parsePromql(request.query);
  if (typeOf(expr) === 'matrix')
    throw new PromqlUnsupportedError(request.query, expr.pos, 'range vector as the result');
  const instant = request.time !== undefined;
  const startMs = instant ? request.time! : request.start!;
  const endMs = instant ? request.time! : request.end!;
  const stepMs = instant ? 1 : request.step!;
  if (!instant) {
    if (stepMs <= 0) throw new UsageError(msg.promqlStepTooSmall());
    if (endMs < startMs) throw new UsageError(msg.promqlEndBeforeStart());
    const points = Math.floor((endMs - startMs) / stepMs) + 1;
    if (points > MAX_POINTS) throw new UsageError(msg.promqlTooManyPoints(points));
  }
  // Regexes are RE2 in Prometheus and in DuckDB: an invalid one is refused before the query runs.
  for (const { re, pos } of regexesOf(expr))
    await db
      .rowsJS(`SELECT regexp_full_match('', $re) AS ok`, {
        re: anchoredRegex(re, semanticsRules(request.semantics)),
      })
      .catch((e: unknown) => {
        const reason = (e instanceof Error ? e.message : String(e))
          .split('\n')[0]!
          .replace(/^Invalid Input Error: /, '');
        throw new PromqlSyntaxError(request.query, pos, msg.promqlBadRegex(re, reason));
      });
  const plan = planQuery(expr, {
    startMs,
    endMs,
    stepMs,
    rules: semanticsRules(request.semantics),
    deployment: request.deployment,
    deploymentLabel: request.deploymentLabel ?? true,
    gridWindowsPerSample: request.gridWindowsPerSample,
  });
  await loadModels(db);
  const rows = await db.rowsJS(plan.sql).catch((e: unknown) => {
    const text = e instanceof Error ? e.message : String(e);
    if (text.includes(MANY_TO_MANY)) throw new CliError(msg.promqlManyToMany());
    if (text.includes(MANY_TO_ONE)) throw new CliError(msg.promqlManyToOne());
    const at = text.indexOf(QUERY_ERROR);
    if (at >= 0) throw new CliError(text.slice(at + QUERY_ERROR.length).split('\n')[0]!);
    throw e;
  });
  // Rows come grouped by label set (matrix, numbered by sid, labels on the first row of each) or
  // one per series (vector), so a map keeps order.
  const byLabels = new Map<string | number, PromqlSeries>();
  for (const row of rows) {
    const labels =
      row.labels === null
        ? undefined
        : (row.labels as { key: string; value: string }[]).map((l): [string, string] => [l.key, l.value]);
    const key = row.sid === undefined ? JSON.stringify(labels) : Number(row.sid);
    let current = byLabels.get(key);
    if (!current) {
      if (!labels) throw new Error('promql bug: a label set without its labels');
      current = { labels, points: [] };
      byLabels.set(key, current);
    }
    const t = Number(row.t);
    // Two samples of one label set at one step: Prometheus refuses such a vector (engine.go).
    if (current.points.at(-1)?.t === t)
      throw new CliError(msg.promqlDuplicateSeries(formatLabels(current.labels)));
    current.points.push({ t, v: Number(row.value) });
  }
  const series = [...byLabels.values()];
  const resultType =
    plan.resultType === 'scalar' ? (instant ? 'scalar' : 'matrix') : instant ? 'vector' : 'matrix';
  return { resultType, series };
}

/** A label set as PromQL writes it: {a="1", b="2"}. */
export function formatLabels(labels: [string, string][]): string {
  return `{${labels.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}}`;
}
