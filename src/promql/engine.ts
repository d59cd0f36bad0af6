import type { DuckDBListValue, DuckDBStructValue, DuckDBValue } from '@duckdb/node-api';
import { CliError, UsageError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { loadModelsFor } from '../models/registry.js';
import type { TraceDatabase } from '../store/database.js';
import { typeOf } from './ast.js';
import { PromqlSyntaxError, PromqlUnsupportedError } from './errors.js';
import { parsePromql } from './parser.js';
import {
  anchoredRegex,
  DUPLICATE_SERIES,
  MANY_TO_MANY,
  MANY_TO_ONE,
  planQuery,
  QUERY_ERROR,
  regexesOf,
} from './planner.js';
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
  /** Counter functions on series with recorded resets by segments (planner.ts EvalContext); tests turn it off. */
  segmentWindows?: boolean;
}

export interface PromqlSeries {
  labels: [string, string][];
  points: { t: number; v: number }[];
}

export type ResultType = 'matrix' | 'vector' | 'scalar';

export interface PromqlResult {
  resultType: ResultType;
  series: PromqlSeries[];
}

/**
 * Where a result's rows go as they leave DuckDB: each label set once, then its points in time
 * order (a matrix), or a label set and its one point per sample (a vector). `flush` follows
 * every chunk of rows, so a writer can pass them on and keep nothing.
 */
export interface ResultSink {
  series(labels: [string, string][]): void;
  point(t: number, v: number): void;
  flush(): Promise<void>;
}

/** A query parsed, checked and compiled (planner.ts), not yet run. */
export interface PreparedQuery {
  sql: string;
  resultType: ResultType;
  /** The compiled expression is a scalar: one unlabelled row per step. */
  scalar: boolean;
  /** The query's regexes as compiled, each with the error to raise if DuckDB's RE2 refuses it. */
  regexes: { regex: string; error: (reason: string) => Error }[];
}

/** Prometheus refuses range queries of more than 11,000 steps (web/api/v1 queryRange). */
const MAX_POINTS = 11_000;

export function preparePromql(request: PromqlRequest): PreparedQuery {
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
  // Regexes are RE2 in Prometheus and in DuckDB: runPromql refuses an invalid one before the query.
  const regexes = regexesOf(expr).map(({ re, pos }) => ({
    regex: anchoredRegex(re, semanticsRules(request.semantics)),
    error: (reason: string) => new PromqlSyntaxError(request.query, pos, msg.promqlBadRegex(re, reason)),
  }));
  const plan = planQuery(expr, {
    startMs,
    endMs,
    stepMs,
    rules: semanticsRules(request.semantics),
    deployment: request.deployment,
    deploymentLabel: request.deploymentLabel ?? true,
    gridWindowsPerSample: request.gridWindowsPerSample,
    segmentWindows: request.segmentWindows,
  });
  const scalar = plan.resultType === 'scalar';
  return { sql: plan.sql, scalar, resultType: instant ? (scalar ? 'scalar' : 'vector') : 'matrix', regexes };
}

/** A label list as DuckDB returns it (LIST of STRUCT(key, value)). */
function labelsOf(value: DuckDBValue): [string, string][] {
  return (value as DuckDBListValue).items.map((item) => {
    const { key, value: v } = (item as DuckDBStructValue).entries;
    return [key as string, v as string];
  });
}

/**
 * Runs a prepared query and hands its rows to `sink` chunk by chunk as DuckDB produces them
 * (a streaming result: no more than one chunk of rows is held here). A matrix's rows come
 * ordered by label set then time, each label set numbered (sid) and its labels on its first
 * row only; a vector's one row per sample; a scalar's one unlabelled row per step.
 */
export async function runPromql(db: TraceDatabase, query: PreparedQuery, sink: ResultSink): Promise<void> {
  for (const { regex, error } of query.regexes)
    await db.rowsJS(`SELECT regexp_full_match('', $re) AS ok`, { re: regex }).catch((e: unknown) => {
      throw error(
        msg.firstLine(e instanceof Error ? e.message : String(e)).replace(/^Invalid Input Error: /, ''),
      );
    });
  await loadModelsFor(db, query.sql);
  try {
    await readRows(db, query, sink);
  } catch (e) {
    // The checks inside the statement (planner.ts) raise their marker as a DuckDB error.
    const text = e instanceof Error ? e.message : String(e);
    if (text.includes(MANY_TO_MANY)) throw new CliError(msg.promqlManyToMany());
    if (text.includes(MANY_TO_ONE)) throw new CliError(msg.promqlManyToOne());
    const at = text.indexOf(DUPLICATE_SERIES);
    if (at >= 0)
      throw new CliError(msg.promqlDuplicateSeries(msg.firstLine(text.slice(at + DUPLICATE_SERIES.length))));
    const error = text.indexOf(QUERY_ERROR);
    if (error >= 0) throw new CliError(msg.firstLine(text.slice(error + QUERY_ERROR.length)));
    throw e;
  }
}

async function readRows(db: TraceDatabase, query: PreparedQuery, sink: ResultSink): Promise<void> {
  const result = await db.connection.stream(query.sql);
  const columns = result.columnNames();
  const T = columns.indexOf('t');
  const SID = columns.indexOf('sid');
  const LABELS = columns.indexOf('labels');
  const VALUE = columns.indexOf('value');
  // A vector's label sets, to refuse two samples with one label set as Prometheus does
  // (engine.go); a matrix is checked in SQL before its first row leaves DuckDB.
  const seen = query.resultType === 'vector' ? new Set<string>() : undefined;
  let sid = -1;
  let lastT = NaN;
  if (query.scalar) sink.series([]);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const ts = chunk.getColumnVector(T);
    const values = chunk.getColumnVector(VALUE);
    const sids = SID >= 0 ? chunk.getColumnVector(SID) : undefined;
    const labels = chunk.getColumnVector(LABELS);
    for (let i = 0; i < chunk.rowCount; i++) {
      const t = ts.getItem(i) as number;
      if (sids) {
        const next = sids.getItem(i) as number;
        if (next !== sid) {
          sid = next;
          sink.series(labelsOf(labels.getItem(i)));
        } else if (t === lastT) {
          throw new Error('promql bug: two samples of one label set at one step');
        }
        lastT = t;
      } else if (seen) {
        const set = labelsOf(labels.getItem(i));
        const key = JSON.stringify(set);
        if (seen.has(key)) throw new CliError(msg.promqlDuplicateSeries(formatLabels(set)));
        seen.add(key);
        sink.series(set);
      }
      sink.point(t, values.getItem(i) as number);
    }
    await sink.flush();
  }
}

/** Runs a query and collects its result (tests; the CLI streams with runPromql). */
export async function evaluatePromql(db: TraceDatabase, request: PromqlRequest): Promise<PromqlResult> {
  const query = preparePromql(request);
  const series: PromqlSeries[] = [];
  await runPromql(db, query, {
    series: (labels) => void series.push({ labels, points: [] }),
    point: (t, v) => void series.at(-1)!.points.push({ t, v }),
    flush: async () => {},
  });
  return { resultType: query.resultType, series };
}

/** A label set as PromQL writes it: {a="1", b="2"}. */
export function formatLabels(labels: [string, string][]): string {
  return `{${labels.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}}`;
}
