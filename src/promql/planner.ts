import type {
  Aggregate,
  AtModifier,
  Binary,
  Call,
  Expr,
  LabelMatcher,
  MatrixSelector,
  Subquery,
  VectorSelector,
} from './ast.js';
import { COMPARISONS } from './ast.js';
import { LOOKBACK_MS, type SemanticsRules } from './semantics.js';

/** Where and how a query is evaluated: steps start, start + step, ... <= end (integer ms). */
export interface EvalContext {
  startMs: number;
  endMs: number;
  stepMs: number;
  rules: SemanticsRules;
  /** Restrict every selector to this deployment (--deployment). */
  deployment?: string;
  /** Add each series' deployment as label `deployment` (docs/design.md); off only for Prometheus' own test data. */
  deploymentLabel: boolean;
  /**
   * Range functions use promql_grid_windows (one sort, hash aggregates) when a sample falls in at
   * most this many steps' windows, else promql_range_windows (ASOF joins, cost independent of the
   * overlap). Default GRID_WINDOWS_PER_SAMPLE; tests set 0 or Infinity to check both agree.
   */
  gridWindowsPerSample?: number;
  /**
   * Counter functions (rate, increase, delta, resets) on series whose resets the loader recorded
   * take windows by segments (promql_counter_windows) where the others take ASOF joins (default true); tests set false
   * so those series take ASOF joins too, to hold the plans equal.
   */
  segmentWindows?: boolean;
}

/** Above this many windows per sample, copying samples into windows costs more than ASOF joins. */
export const GRID_WINDOWS_PER_SAMPLE = 4;

/**
 * Counter windows by segments pay off when a segment (half a step) holds several samples; a
 * series whose samples per step × windows per sample stay at or below this takes the grid's
 * copies instead: `rate(x[10s])` at a 2 s step over 1 s samples took 14 s of CPU and 1.3 GiB by
 * segments (windows then found by ASOF joins), 7.6 s and 0.9 GiB on the grid; at 42 copies per
 * step both cost the same CPU (docs/performance.md).
 */
export const GRID_COPIES_PER_STEP = 40;

/**
 * Counter windows by segments copy each segment into the windows holding it up to this many
 * windows per segment (promql_segment_copies); beyond, ASOF joins over the segments cost less.
 * On the bench's 10M counter samples at a 60 s step, CPU of the windows alone, ASOF → copies:
 * `[10m]` (11 windows per segment) 602 → 499 ms, `[20m]` (21) 580 → 567 ms, `[30m]` (31)
 * 577 → 628 ms, `[1h]` (61) 588 → 865 ms.
 */
export const MAX_SEGMENT_COPIES = 16;

/**
 * A subquery without a step (`x[5m:]`) steps at Prometheus' default evaluation interval, the
 * global evaluation_interval (1 minute unless configured; promqltest uses 1 minute too).
 */
export const DEFAULT_SUBQUERY_STEP_MS = 60_000;

/**
 * The compiled query: one SQL statement returning (t, labels, value) rows ordered by series then
 * time, labels being a sorted list of {key, value}. For a scalar expression labels is empty. A
 * range query's vector rows also carry sid, the label set's number, and labels only on the first
 * row of each label set (NULL on the others).
 */
export interface Plan {
  sql: string;
  resultType: 'vector' | 'scalar';
}

/** The steps an expression is evaluated at: start, start + step, … <= end (ms). */
interface Grid {
  startMs: number;
  endMs: number;
  stepMs: number;
}

/**
 * A compiled sub-expression:
 * - an instant vector is a CTE of (t, labels, value, ord), ord being the position Prometheus
 *   gives the sample in its vector (the selector's series order: the rank of the series' label
 *   set among the selected ones, an integer so sorting on it is cheap; carried through functions
 *   and operators, the first member for an aggregation group). A selector's CTE also has ts,
 *   the sample's own timestamp (timestamp() reads it). With `sets`, the CTE has lid, a label-set
 *   number, in place of labels, and `sets` is a CTE of (lid, labels) giving each number's label
 *   set (two numbers may name equal sets): selectors, range functions, per-sample functions,
 *   label_replace/label_join, vector-scalar operators and aggregations relabel the few sets
 *   instead of every row, and the rows carry an integer, not a list, through the statement
 *   (a range query's result of millions of points held each row's list until the final sort).
 *   Operators that read each row's labels join them in first (Planner.vector).
 * - a scalar is a constant SQL expression (`const`), or a CTE of (t, value) with a row for every
 *   step (`scalar`: time(), scalar(v), and what is computed from them);
 * - a string is its value (function arguments only).
 */
type Node =
  | { kind: 'vector'; cte: string; ts?: boolean; sets?: string }
  | { kind: 'const'; sql: string }
  | { kind: 'scalar'; cte: string }
  | { kind: 'string'; value: string };

/** Marker of errors that the query's data causes inside DuckDB (engine.ts shows the text after it). */
export const QUERY_ERROR = 'promql-error: ';

/**
 * Compiles a PromQL syntax tree to one DuckDB statement (parse → plan → SQL; the SQL models in
 * src/models/ do the per-window arithmetic). Every step of a range query is evaluated in the same
 * set-based statement; subqueries and `@` evaluate their part on their own step grid inside it.
 */
export function planQuery(expr: Expr, ctx: EvalContext): Plan {
  const planner = new Planner(ctx);
  const root = planner.compile(expr);
  const withCtes = (sql: string) =>
    planner.ctes.length === 0
      ? sql
      : `WITH ${planner.ctes.map(([name, body]) => `${name} AS (\n${body}\n)`).join(',\n')}\n${sql}`;
  // Times leave as DOUBLE (exact for ms), so the engine reads them as JS numbers.
  if (root.kind === 'const' || root.kind === 'scalar') {
    const sql =
      root.kind === 'const'
        ? `SELECT t::DOUBLE AS t, []::STRUCT(key VARCHAR, value VARCHAR)[] AS labels, ${root.sql} AS value FROM ${planner.stepsTable()} ORDER BY t`
        : `SELECT t::DOUBLE AS t, []::STRUCT(key VARCHAR, value VARCHAR)[] AS labels, value FROM ${root.cte} ORDER BY t`;
    return { sql: withCtes(sql), resultType: 'scalar' };
  }
  if (root.kind !== 'vector') throw new Error('planner bug: a string as the result');
  // An instant query's vector keeps evaluation order.
  if (ctx.startMs === ctx.endMs) {
    const v = planner.vector(root);
    return {
      sql: withCtes(`SELECT t::DOUBLE AS t, labels, value FROM ${v} ORDER BY ord, labels`),
      resultType: 'vector',
    };
  }
  // A range query's matrix is sorted by label set (Prometheus sort.Sort(mat)). Each label set is
  // numbered (sid) and sent once, on its first row: converting it for every point costs more
  // than the query. Two samples of one label set at one step are refused as Prometheus does
  // (engine.go rangeEval), here before the first row leaves DuckDB, as the result is streamed.
  if (root.sets !== undefined) {
    // Label-set numbers to the end: the sets are ranked by their labels (equal sets get one sid)
    // and the rows sorted on integers, the labels joined only to each set's first row.
    planner.ctes.push([
      'label_ids',
      `SELECT lid, labels, dense_rank() OVER (ORDER BY labels) AS sid FROM ${root.sets}`,
    ]);
    planner.ctes.push([
      'result',
      `SELECT r.t, k.sid, r.value FROM ${root.cte} r JOIN label_ids k USING (lid)`,
    ]);
    planner.ctes.push([
      'label_sets',
      `SELECT c.sid, k.labels,
         CASE WHEN c.dup THEN error('${DUPLICATE_SERIES}' || promql_format_labels(k.labels)) ELSE c.first_t END AS first_t
  FROM (SELECT sid, count(*) <> count(DISTINCT t) AS dup, min(t) AS first_t FROM result GROUP BY sid) c
  JOIN (SELECT DISTINCT sid, labels FROM label_ids) k USING (sid)`,
    ]);
    return {
      sql: withCtes(`SELECT r.t::DOUBLE AS t, r.sid::INTEGER AS sid, CASE WHEN r.t = k.first_t THEN k.labels END AS labels, r.value
FROM result r JOIN label_sets k USING (sid)
ORDER BY r.sid, r.t`),
      resultType: 'vector',
    };
  }
  planner.ctes.push(['result', `SELECT t, labels, value FROM ${root.cte}`]);
  planner.ctes.push([
    'label_sets',
    `SELECT labels,
         CASE WHEN count(*) <> count(DISTINCT t)
              THEN error('${DUPLICATE_SERIES}' || promql_format_labels(labels)) ELSE min(t) END AS first_t,
         row_number() OVER (ORDER BY labels) AS sid
  FROM result GROUP BY labels`,
  ]);
  return {
    sql: withCtes(`SELECT r.t::DOUBLE AS t, k.sid::INTEGER AS sid, CASE WHEN r.t = k.first_t THEN k.labels END AS labels, r.value
FROM result r JOIN label_sets k ON r.labels = k.labels
ORDER BY k.sid, r.t`),
    resultType: 'vector',
  };
}

/** Per-sample functions: the SQL of the new value from `v` (functions.go simpleFunc and friends). */
const SIMPLE_FUNCTIONS: Record<string, (v: string) => string> = {
  abs: (v) => `abs(${v})`,
  ceil: (v) => `ceil(${v})`,
  floor: (v) => `floor(${v})`,
  exp: (v) => `exp(${v})`,
  sqrt: (v) => `promql_sqrt(${v})`,
  ln: (v) => `promql_log(${v}, 'e')`,
  log2: (v) => `promql_log(${v}, '2')`,
  log10: (v) => `promql_log(${v}, '10')`,
  sgn: (v) => `promql_sgn(${v})`,
  acos: (v) => `promql_acos(${v})`,
  asin: (v) => `promql_asin(${v})`,
  acosh: (v) => `promql_acosh(${v})`,
  atanh: (v) => `promql_atanh(${v})`,
  atan: (v) => `promql_trig(${v}, 'atan')`,
  asinh: (v) => `promql_trig(${v}, 'asinh')`,
  cos: (v) => `promql_trig(${v}, 'cos')`,
  cosh: (v) => `promql_trig(${v}, 'cosh')`,
  sin: (v) => `promql_trig(${v}, 'sin')`,
  sinh: (v) => `promql_trig(${v}, 'sinh')`,
  tan: (v) => `promql_trig(${v}, 'tan')`,
  tanh: (v) => `promql_trig(${v}, 'tanh')`,
  deg: (v) => `(${v} * 180 / pi())`,
  rad: (v) => `(${v} * pi() / 180)`,
};

const DATE_FUNCTIONS = [
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'days_in_month',
  'hour',
  'minute',
  'month',
  'year',
];

/** Range functions promql_grid_windows / promql_range_windows compute from a selector's samples. */
const WINDOW_FUNCTIONS = new Set(['rate', 'increase', 'delta', 'irate', 'idelta', 'resets', 'changes']);
/** Range functions computed by promql_extrapolated_rate: a value exactly where a window holds two samples. */
const EXTRAPOLATED_RATE_FUNCTIONS = new Set(['rate', 'increase', 'delta']);
/** Range functions that need only a window's count, first and last sample and counter correction. */
const COUNTER_WINDOW_FUNCTIONS = new Set(['rate', 'increase', 'delta', 'resets']);
/**
 * Range functions that are aggregates of a window's samples (functions.go: funcCountOverTime,
 * funcMin/MaxOverTime skipping NaN unless all are NaN, funcLast/FirstOverTime, funcPresentOverTime,
 * the timestamps of the first and last sample): hash aggregates over the window's samples.
 */
const AGGREGATE_OVER_TIME: Record<string, string> = {
  count_over_time: 'count(*)::DOUBLE',
  min_over_time: `coalesce(min(value) FILTER (WHERE NOT isnan(value)), 'nan'::DOUBLE)`,
  max_over_time: `coalesce(max(value) FILTER (WHERE NOT isnan(value)), 'nan'::DOUBLE)`,
  last_over_time: 'arg_max(value, ts)',
  first_over_time: 'arg_min(value, ts)',
  present_over_time: '1.0::DOUBLE',
  ts_of_first_over_time: 'min(ts) / 1000.0',
  ts_of_last_over_time: 'max(ts) / 1000.0',
};

/**
 * The same aggregates in two stages, for windows built from segments (windowLists): `seg`
 * aggregates the samples of one segment of time, `win` combines the segments of a window. Each
 * is exact: min, max, counts and the first/last sample (timestamps are unique within a series)
 * do not depend on how the samples are grouped.
 */
const SEGMENT_OVER_TIME: Record<string, { seg: string; win: string }> = {
  count_over_time: { seg: 'count(*) AS c', win: 'sum(c)::DOUBLE' },
  min_over_time: {
    seg: 'min(value) FILTER (WHERE NOT isnan(value)) AS m',
    win: `coalesce(min(m), 'nan'::DOUBLE)`,
  },
  max_over_time: {
    seg: 'max(value) FILTER (WHERE NOT isnan(value)) AS m',
    win: `coalesce(max(m), 'nan'::DOUBLE)`,
  },
  last_over_time: { seg: 'max(ts) AS lt, arg_max(value, ts) AS lv', win: 'arg_max(lv, lt)' },
  first_over_time: { seg: 'min(ts) AS ft, arg_min(value, ts) AS fv', win: 'arg_min(fv, ft)' },
  present_over_time: { seg: 'count(*) AS c', win: '1.0::DOUBLE' },
  ts_of_first_over_time: { seg: 'min(ts) AS ft', win: 'min(ft) / 1000.0' },
  ts_of_last_over_time: { seg: 'max(ts) AS lt', win: 'max(lt) / 1000.0' },
};

/** Range functions whose result keeps the metric name (functions.go: they return the sample itself). */
const KEEP_NAME_FUNCTIONS = new Set(['last_over_time', 'first_over_time']);

class Planner {
  readonly ctes: [string, string][] = [];
  private counter = 0;
  private grid: Grid;

  constructor(private readonly ctx: EvalContext) {
    this.grid = { startMs: ctx.startMs, endMs: ctx.endMs, stepMs: ctx.stepMs };
  }

  private add(prefix: string, sql: string): string {
    const name = `${prefix}${++this.counter}`;
    this.ctes.push([name, sql]);
    return name;
  }

  private withGrid<T>(grid: Grid, f: () => T): T {
    const saved = this.grid;
    this.grid = grid;
    try {
      return f();
    } finally {
      this.grid = saved;
    }
  }

  /** The current grid's steps as a table of t. */
  stepsTable(): string {
    const { startMs, endMs, stepMs } = this.grid;
    return `(SELECT unnest(range(${startMs}::BIGINT, ${endMs + 1}::BIGINT, ${stepMs}::BIGINT)) AS t)`;
  }

  private steps(): string {
    const { startMs, endMs, stepMs } = this.grid;
    return `${startMs}::BIGINT, ${endMs}::BIGINT, ${stepMs}::BIGINT`;
  }

  /** Label list without the metric name; Prometheus 3 drops __type__ and __unit__ with it. */
  private dropName(labels: string): string {
    return this.ctx.rules.typeAndUnitLabels
      ? `list_filter(${labels}, e -> e.key NOT IN ('__name__', '__type__', '__unit__'))`
      : `promql_drop_name(${labels})`;
  }

  /** The labels of an arithmetic result: without the metric name (shouldDropMetricName). */
  private arithmeticLabels(op: string, labels: string): string {
    return op === 'atan2' && !this.ctx.rules.atan2DropsName ? labels : this.dropName(labels);
  }

  compile(e: Expr): Node {
    switch (e.type) {
      case 'number':
        return { kind: 'const', sql: doubleLiteral(e.value) };
      case 'string':
        return { kind: 'string', value: e.value };
      case 'vector':
        if (e.at !== undefined) return this.atFixedTime(e.at, () => this.instantSelector(e));
        return this.instantSelector(e);
      case 'matrix':
      case 'subquery':
        // The parser lets a range vector appear only as a function's argument.
        throw new Error('planner bug: range vector outside a function');
      case 'call':
        return this.call(e);
      case 'aggregate':
        return this.aggregate(e);
      case 'unary': {
        const inner = this.compile(e.expr);
        if (e.op === '+') return inner;
        return this.mapValue(inner, (v) => `(-${v})`, true);
      }
      case 'binary':
        return this.binary(e);
    }
  }

  /** A node's value changed per sample (and the metric name dropped if asked). */
  private mapValue(node: Node, f: (v: string) => string, dropName: boolean): Node {
    if (node.kind === 'const') return { kind: 'const', sql: f(node.sql) };
    if (node.kind === 'scalar')
      return { kind: 'scalar', cte: this.add('sc', `SELECT t, ${f('value')} AS value FROM ${node.cte}`) };
    return this.relabel(
      node,
      dropName ? (l) => this.dropName(l) : undefined,
      `${f('x.value')} AS value, x.ord`,
    );
  }

  /**
   * A vector's rows with labels f(labels) (unchanged without f) and the other columns `cols`, SQL
   * over the rows as x (and the tables of `join`). With label-set numbers only the sets are
   * relabelled, once per set.
   */
  private relabel(node: Node, f: ((labels: string) => string) | undefined, cols: string, join = ''): Node {
    const v = this.rows(node);
    if (node.kind === 'vector' && node.sets !== undefined)
      return {
        kind: 'vector',
        cte: this.add('fn', `SELECT x.t, x.lid, ${cols} FROM ${v} x${join}`),
        sets: f ? this.add('ls', `SELECT lid, ${f('labels')} AS labels FROM ${node.sets}`) : node.sets,
      };
    return {
      kind: 'vector',
      cte: this.add(
        'fn',
        `SELECT x.t, ${f ? f('x.labels') : 'x.labels'} AS labels, ${cols} FROM ${v} x${join}`,
      ),
    };
  }

  /** A vector's CTE with a labels column (joined in from the label sets when it has numbers). */
  vector(node: Node): string {
    const v = this.rows(node);
    if (node.kind !== 'vector' || node.sets === undefined) return v;
    return this.add(
      'lab',
      `SELECT x.t, s.labels, x.* EXCLUDE (t, lid) FROM ${v} x JOIN ${node.sets} s USING (lid)`,
    );
  }

  /** A vector's CTE as it is: labels or label-set numbers (for operators that read neither). */
  private rows(node: Node): string {
    if (node.kind !== 'vector') throw new Error(`planner bug: expected a vector, got ${node.kind}`);
    return node.cte;
  }

  /** A scalar as a CTE of (t, value) for every step of the current grid. */
  private scalarCte(node: Node): string {
    if (node.kind === 'scalar') return node.cte;
    if (node.kind === 'const')
      return this.add('sc', `SELECT t, ${node.sql} AS value FROM ${this.stepsTable()}`);
    throw new Error(`planner bug: expected a scalar, got ${node.kind}`);
  }

  /** The one-step grid of an `@` time (ms; start() and end() are the query's). */
  private fixedGrid(at: AtModifier): Grid {
    const ms = at === 'start' ? this.ctx.startMs : at === 'end' ? this.ctx.endMs : at;
    return { startMs: ms, endMs: ms, stepMs: 1 };
  }

  /**
   * `@`: the part is evaluated at one time (ms; start() and end() are the query's) and its result
   * repeated at every step of the current grid (engine.go: @ makes the expression step-invariant).
   */
  private atFixedTime(at: AtModifier, f: () => Node): Node {
    const inner = this.withGrid(this.fixedGrid(at), f);
    if (inner.kind !== 'vector') throw new Error('planner bug: @ on a scalar');
    return {
      kind: 'vector',
      ts: inner.ts,
      sets: inner.sets,
      cte: this.add(
        'at',
        `SELECT g.t, x.${inner.sets ? 'lid' : 'labels'}, x.value, x.ord${inner.ts ? ', x.ts' : ''} FROM ${inner.cte} x CROSS JOIN ${this.stepsTable()} g`,
      ),
    };
  }

  /** The series a selector matches, with their PromQL label sets. */
  private selectorSeries(v: VectorSelector): string {
    const where = v.matchers.map((m) => this.matcherSql(m));
    if (this.ctx.deployment !== undefined) where.push(`deployment = ${stringLiteral(this.ctx.deployment)}`);
    return this.add(
      'series',
      `SELECT series_id, labels, dense_rank() OVER (ORDER BY labels) AS ord
FROM promql_series(${this.ctx.deploymentLabel})
WHERE ${where.join('\n  AND ')}`,
    );
  }

  private matcherSql(m: LabelMatcher): string {
    const value = `promql_label(labels, ${stringLiteral(m.name)})`;
    switch (m.op) {
      case '=':
        return `${value} = ${stringLiteral(m.value)}`;
      case '!=':
        return `${value} <> ${stringLiteral(m.value)}`;
      case '=~':
        return `regexp_full_match(${value}, ${this.regex(m.value)})`;
      case '!~':
        return `NOT regexp_full_match(${value}, ${this.regex(m.value)})`;
    }
  }

  private regex(re: string): string {
    return stringLiteral(anchoredRegex(re, this.ctx.rules));
  }

  private seriesIds(series: string): string {
    return `(SELECT coalesce(list(series_id), []::INTEGER[]) FROM ${series})`;
  }

  /**
   * How many steps' windows one segment of promql_segments can fall in: q + 1 with q whole steps
   * in a window (src/models/020-promql-selectors.sql), at most the number of steps.
   */
  private windowsPerSegment(rangeMs: number): number {
    const { startMs, endMs, stepMs } = this.grid;
    const steps = Math.floor((endMs - startMs) / stepMs) + 1;
    return Math.min(steps, Math.floor((rangeMs + (this.ctx.rules.leftOpen ? 0 : 1)) / stepMs) + 1);
  }

  /** How many steps' windows one sample can fall in: at most one per step inside the range. */
  private windowsPerSample(rangeMs: number): number {
    const { startMs, endMs, stepMs } = this.grid;
    const steps = Math.floor((endMs - startMs) / stepMs) + 1;
    return Math.min(steps, Math.floor((rangeMs - (this.ctx.rules.leftOpen ? 1 : 0)) / stepMs) + 1);
  }

  private instantSelector(v: VectorSelector): Node {
    const series = this.selectorSeries(v);
    return {
      kind: 'vector',
      ts: true,
      sets: this.add('ls', `SELECT series_id AS lid, labels FROM ${series}`),
      cte: this.add(
        'sel',
        `SELECT i.t, i.series_id AS lid, i.value, s.ord, i.ts
FROM promql_instant(${this.seriesIds(series)}, ${this.steps()}, ${v.offsetMs}::BIGINT, ${LOOKBACK_MS}::BIGINT, ${this.ctx.rules.leftOpen}) i
JOIN ${series} s USING (series_id)`,
      ),
    };
  }

  private call(c: Call): Node {
    const m = c.args.find(
      (a): a is MatrixSelector | Subquery => a.type === 'matrix' || a.type === 'subquery',
    );
    if (m) return this.rangeCall(c, m);
    const f = c.func;
    const simple = SIMPLE_FUNCTIONS[f];
    if (simple) return this.mapValue(this.compile(c.args[0]!), simple, true);
    if (DATE_FUNCTIONS.includes(f)) {
      const arg = c.args[0] ?? {
        type: 'call',
        func: 'vector',
        args: [{ type: 'call', func: 'time', args: [], pos: c.pos }],
        pos: c.pos,
      };
      return this.mapValue(this.compile(arg as Expr), (v) => `promql_date(${v}, '${f}')`, true);
    }
    const seconds = (ms: number) => doubleLiteral(ms / 1000);
    switch (f) {
      case 'time':
        return {
          kind: 'scalar',
          cte: this.add('time', `SELECT t, t / 1000.0 AS value FROM ${this.stepsTable()}`),
        };
      case 'pi':
        return { kind: 'const', sql: 'pi()' };
      case 'start':
        return { kind: 'const', sql: seconds(this.ctx.startMs) };
      case 'end':
        return { kind: 'const', sql: seconds(this.ctx.endMs) };
      case 'step':
        return { kind: 'const', sql: seconds(this.ctx.startMs === this.ctx.endMs ? 0 : this.ctx.stepMs) };
      case 'range':
        return { kind: 'const', sql: seconds(this.ctx.endMs - this.ctx.startMs) };
      case 'min_of':
      case 'max_of':
        // math.Min / math.Max of two scalars (NaN if either is).
        return this.scalarPair(this.compile(c.args[0]!), this.compile(c.args[1]!), (l, r) =>
          f === 'min_of' ? `promql_go_min(${l}, ${r})` : `promql_go_max(${l}, ${r})`,
        );
      case 'vector': {
        const s = this.scalarCte(this.compile(c.args[0]!));
        return {
          kind: 'vector',
          cte: this.add(
            'vec',
            `SELECT t, []::STRUCT(key VARCHAR, value VARCHAR)[] AS labels, value, 0 AS ord FROM ${s}`,
          ),
        };
      }
      case 'scalar': {
        // funcScalar: the single element's value, NaN unless the vector has exactly one.
        const v = this.rows(this.compile(c.args[0]!));
        return {
          kind: 'scalar',
          cte: this.add(
            'scalar',
            `SELECT g.t, CASE WHEN count(x.value) = 1 THEN any_value(x.value) ELSE 'nan'::DOUBLE END AS value
FROM ${this.stepsTable()} g LEFT JOIN ${v} x ON x.t = g.t GROUP BY g.t`,
          ),
        };
      }
      case 'timestamp': {
        // funcTimestamp: a selector's samples keep their own timestamp, anything else is at t.
        const inner = this.compile(c.args[0]!);
        const ts = inner.kind === 'vector' && inner.ts ? 'x.ts' : 'x.t';
        return this.relabel(inner, (l) => this.dropName(l), `${ts} / 1000.0 AS value, x.ord`);
      }
      case 'round':
      case 'clamp':
      case 'clamp_min':
      case 'clamp_max': {
        const { cte, sqls: s, sets } = this.withScalars(this.compile(c.args[0]!), c.args.slice(1));
        const vec: Node = { kind: 'vector', cte, sets };
        if (f === 'round') return this.mapValue(vec, (v) => `promql_round(${v}, ${s[0] ?? '1.0'})`, true);
        if (f === 'clamp_min') return this.mapValue(vec, (v) => `promql_go_max(${s[0]}, ${v})`, true);
        if (f === 'clamp_max') return this.mapValue(vec, (v) => `promql_go_min(${s[0]}, ${v})`, true);
        // funcClamp: nothing when max < min, else math.Max(min, math.Min(max, v)).
        return this.mapValue(
          this.filterVector(vec, `NOT promql_cmp('<', ${s[1]}, ${s[0]})`),
          (v) => `promql_go_max(${s[0]}, promql_go_min(${s[1]}, ${v}))`,
          true,
        );
      }
      case 'absent':
        return this.absent(this.rows(this.compile(c.args[0]!)), absentLabels(c.args[0]!));
      case 'label_replace':
        return this.labelReplace(c);
      case 'label_join':
        return this.labelJoin(c);
      case 'sort':
      case 'sort_desc':
        return this.sortByValue(this.compile(c.args[0]!), f === 'sort_desc');
      case 'sort_by_label':
      case 'sort_by_label_desc':
        return this.sortByLabel(
          this.vector(this.compile(c.args[0]!)),
          c.args.slice(1).map((a) => (a as { value: string }).value),
          f === 'sort_by_label_desc',
        );
      case 'histogram_quantile':
        return this.histogramQuantile(c);
    }
    throw new Error(`planner bug: function ${f}`);
  }

  /**
   * A vector with scalar arguments next to its samples: constants inline; a per-step scalar is
   * joined on t as column pK. Returns the vector's CTE (with those columns), its label sets if it
   * has numbers, and each argument's SQL.
   */
  private withScalars(vec: Node, args: (Expr | Node)[]): { cte: string; sqls: string[]; sets?: string } {
    const v = this.rows(vec);
    const sets = vec.kind === 'vector' ? vec.sets : undefined;
    const nodes = args.map((a) => ('kind' in a ? a : this.compile(a)));
    if (nodes.every((n) => n.kind === 'const'))
      return { cte: v, sqls: nodes.map((n) => (n as { sql: string }).sql), sets };
    const cols: string[] = [];
    const joins: string[] = [];
    const sqls = nodes.map((n, k) => {
      if (n.kind === 'const') return n.sql;
      joins.push(`JOIN ${this.scalarCte(n)} j${k} ON j${k}.t = x.t`);
      cols.push(`j${k}.value AS p${k}`);
      return `p${k}`;
    });
    return {
      cte: this.add('args', `SELECT x.*, ${cols.join(', ')} FROM ${v} x ${joins.join(' ')}`),
      sqls,
      sets,
    };
  }

  private filterVector(node: Node, condition: string): Node {
    return {
      kind: 'vector',
      cte: this.add('flt', `SELECT * FROM ${this.rows(node)} WHERE ${condition}`),
      sets: node.kind === 'vector' ? node.sets : undefined,
    };
  }

  // --- Range functions -------------------------------------------------------------------

  private rangeCall(c: Call, m: MatrixSelector | Subquery): Node {
    const at = m.type === 'matrix' ? m.vector.at : m.at;
    if (m.type === 'matrix' && WINDOW_FUNCTIONS.has(c.func))
      return at === undefined
        ? this.windowFunction(c.func, m)
        : this.atFixedTime(at, () => this.windowFunction(c.func, m));
    // With @ the windows are those at the fixed time, repeated at every step; the function's other
    // arguments and the evaluation time (predict_linear's intercept) stay the step's.
    // Functions that are plain aggregates of a window's samples need no lists.
    const aggregate = c.func === 'absent_over_time' ? '1' : AGGREGATE_OVER_TIME[c.func];
    const columns = aggregate === undefined ? undefined : `${aggregate} AS agg`;
    const segments =
      c.func === 'absent_over_time' ? SEGMENT_OVER_TIME.present_over_time : SEGMENT_OVER_TIME[c.func];
    let w =
      at === undefined
        ? this.windowLists(m, columns, segments)
        : this.withGrid(this.fixedGrid(at), () => this.windowLists(m, columns, segments));
    if (at !== undefined)
      w = {
        series: w.series,
        windows: this.add(
          'win',
          `SELECT w.* EXCLUDE (t), g.t FROM ${w.windows} w CROSS JOIN ${this.stepsTable()} g`,
        ),
      };
    if (c.func === 'absent_over_time') {
      const present = this.add(
        'pres',
        `SELECT t, 1.0 AS value, 0 AS ord, []::STRUCT(key VARCHAR, value VARCHAR)[] AS labels FROM ${w.windows}`,
      );
      return this.absent(present, absentLabels(m));
    }
    const scalarArgs = c.args.filter((a) => a !== m);
    const labels = KEEP_NAME_FUNCTIONS.has(c.func) ? 'labels' : this.dropName('labels');
    const sets = this.add('ls', `SELECT sid AS lid, ${labels} AS labels FROM ${w.series}`);
    const node = this.withScalarsJoined(scalarArgs, (s) => {
      // Windows are never empty; the guard keeps DuckDB from folding an empty list should it
      // evaluate the value before the window's filter.
      const value =
        aggregate === undefined
          ? `CASE WHEN len(vals) > 0 THEN ${this.listFunction(c.func, s)} END`
          : 'w.agg';
      return `SELECT * FROM (
  SELECT w.t, w.sid AS lid, ${value} AS value, s.ord
  FROM ${w.windows} w JOIN ${w.series} s USING (sid)${s.length ? '\n  __JOINS__' : ''}
) WHERE value IS NOT NULL`;
    });
    return { ...node, sets };
  }

  /** Like withScalars, for SQL built here: per-step scalars are joined as p0, p1, … on w.t. */
  private withScalarsJoined(args: Expr[], f: (sqls: string[]) => string): { kind: 'vector'; cte: string } {
    const nodes = args.map((a) => this.compile(a));
    const sqls: string[] = [];
    const joins: string[] = [];
    nodes.forEach((n, k) => {
      if (n.kind === 'const') sqls.push(n.sql);
      else {
        const cte = this.scalarCte(n);
        joins.push(`JOIN ${cte} p${k} ON p${k}.t = w.t`);
        sqls.push(`p${k}.value`);
      }
    });
    const sql = f(sqls).replace('__JOINS__', joins.join('\n  '));
    return { kind: 'vector', cte: this.add('rng', sql) };
  }

  /** The value of a range function from a window's lists (vals, tss; 060-promql-over-time.sql). */
  private listFunction(f: string, s: string[]): string {
    const clampFirst = this.ctx.rules.clampFirst;
    const kahan = this.ctx.rules.kahanSum;
    const rate = (isCounter: boolean, isRate: boolean) =>
      `promql_extrapolated_rate(len(vals), tss[1], vals[1], tss[-1], vals[-1], ${isCounter ? 'promql_list_correction(vals)' : '0.0'},
                                range_start, range_end, range_ms, ${isCounter}, ${isRate}, ${clampFirst})`;
    switch (f) {
      case 'rate':
        return rate(true, true);
      case 'increase':
        return rate(true, false);
      case 'delta':
        return rate(false, false);
      case 'irate':
      case 'idelta':
        return `promql_instant_value(len(vals), tss[-1], vals[-1], tss[-2], vals[-2], ${f === 'irate'})`;
      case 'resets':
        return 'promql_list_resets(vals)';
      case 'changes':
        return 'promql_list_changes(vals)';
      case 'sum_over_time':
        return kahan ? 'promql_kahan_sum(vals)' : 'promql_plain_sum(vals)';
      case 'avg_over_time':
        return kahan ? 'promql_avg_kahan(vals)' : 'promql_incremental_mean(vals)';
      case 'count_over_time':
        return 'len(vals)::DOUBLE';
      case 'min_over_time':
        return 'promql_list_min(vals)';
      case 'max_over_time':
        return 'promql_list_max(vals)';
      case 'last_over_time':
        return 'vals[-1]';
      case 'first_over_time':
        return 'vals[1]';
      case 'present_over_time':
        return '1.0::DOUBLE';
      case 'quantile_over_time':
        return `promql_quantile(${s[0]}, vals)`;
      case 'stddev_over_time':
        return 'sqrt(promql_stdvar(vals))';
      case 'stdvar_over_time':
        return 'promql_stdvar(vals)';
      case 'mad_over_time':
        return 'promql_mad(vals)';
      case 'ts_of_first_over_time':
        return 'tss[1] / 1000.0';
      case 'ts_of_last_over_time':
        return 'tss[-1] / 1000.0';
      case 'ts_of_min_over_time':
        return 'promql_ts_of_extreme(vals, tss, false)';
      case 'ts_of_max_over_time':
        return 'promql_ts_of_extreme(vals, tss, true)';
      case 'deriv':
        // funcDeriv: the slope with the first sample's time as intercept; two samples at least.
        return 'CASE WHEN len(vals) >= 2 THEN promql_linear_regression(vals, tss, tss[1]).slope END';
      case 'predict_linear':
        // funcPredictLinear: regression with the evaluation time as intercept, + slope × duration.
        return `CASE WHEN len(vals) >= 2 THEN promql_linear_regression(vals, tss, w.t).intercept
                   + promql_linear_regression(vals, tss, w.t).slope * ${s[0]} END`;
      case 'double_exponential_smoothing':
      case 'holt_winters':
        // Factors outside (0, 1) are an error of the query (functions.go panics with this text).
        return `CASE WHEN NOT (${s[0]} > 0 AND ${s[0]} < 1)
                     THEN error('${QUERY_ERROR}invalid smoothing factor. Expected: 0 < sf < 1, got: ' || ${s[0]})
                     WHEN NOT (${s[1]} > 0 AND ${s[1]} < 1)
                     THEN error('${QUERY_ERROR}invalid trend factor. Expected: 0 < tf < 1, got: ' || ${s[1]})
                     ELSE promql_double_exp_smoothing(vals, ${s[0]}, ${s[1]}) END`;
    }
    throw new Error(`planner bug: range function ${f}`);
  }

  /**
   * The windows of a range vector: a CTE of (sid, t, range_start, range_end, range_ms, and either
   * vals and tss, the window's values and timestamps as lists in time order, or the given
   * aggregate `columns` of its samples) with a row per series and step whose window holds
   * samples, and the series' CTE (sid, labels, ord). The samples are those of a range selector,
   * or the points a subquery's expression gives on its own step grid.
   */
  private windowLists(
    m: MatrixSelector | Subquery,
    columns?: string,
    segments?: { seg: string; win: string },
  ): { windows: string; series: string } {
    const { startMs, endMs, stepMs } = this.grid;
    const rangeMs = m.rangeMs;
    const offsetMs = m.type === 'matrix' ? m.vector.offsetMs : m.offsetMs;
    const leftOpen = this.ctx.rules.leftOpen;
    const adj = leftOpen ? 1 : 0;
    // The points of every series (a range selector's are made on first use: not when split by density).
    let points: string | undefined;
    let series: string;
    // A range selector's samples, of the selected series that meet `where` (over s.series_id).
    let selected: ((where: string) => string) | undefined;
    if (m.type === 'matrix') {
      const sel = this.selectorSeries(m.vector);
      series = this.add('ser', `SELECT series_id AS sid, labels, ord FROM ${sel}`);
      selected = (where: string) =>
        this.add(
          'pts',
          `SELECT series_id AS sid, ts, value FROM samples
WHERE value IS NOT NULL AND series_id IN (SELECT s.series_id FROM ${sel} s WHERE ${where})
  AND ts >= ${startMs - offsetMs - rangeMs + adj} AND ts <= ${endMs - offsetMs}`,
        );
    } else {
      // engine.go, case *parser.SubqueryExpr: the inner steps are multiples of the subquery's step,
      // the first after (start - offset - range) (3.x; 2.x: at or after), the last at end - offset.
      const step = m.stepMs || DEFAULT_SUBQUERY_STEP_MS;
      const from = startMs - offsetMs - rangeMs;
      let innerStart = step * Math.trunc(from / step);
      if (leftOpen ? innerStart <= from : innerStart < from) innerStart += step;
      const innerEnd = endMs - offsetMs;
      const inner = this.withGrid(
        { startMs: innerStart, endMs: Math.max(innerStart, innerEnd), stepMs: step },
        () => (innerEnd < innerStart ? undefined : this.compile(m.expr)),
      );
      let innerCte: string;
      if (inner === undefined)
        innerCte = this.add(
          'empty',
          `SELECT 0::BIGINT AS t, []::STRUCT(key VARCHAR, value VARCHAR)[] AS labels, 0.0::DOUBLE AS value, 0 AS ord WHERE false`,
        );
      else if (inner.kind === 'vector') innerCte = this.vector(inner);
      else {
        const s = this.withGrid({ startMs: innerStart, endMs: innerEnd, stepMs: step }, () =>
          this.scalarCte(inner),
        );
        innerCte = this.add(
          'sq',
          `SELECT t, []::STRUCT(key VARCHAR, value VARCHAR)[] AS labels, value, 0 AS ord FROM ${s}`,
        );
      }
      series = this.add(
        'ser',
        `SELECT labels, dense_rank() OVER (ORDER BY labels) AS sid, min(ord) AS ord FROM ${innerCte} GROUP BY labels`,
      );
      points = this.add(
        'pts',
        `SELECT s.sid, i.t AS ts, i.value FROM ${innerCte} i JOIN ${series} s USING (labels)`,
      );
    }
    const allPoints = () => (points ??= selected!('true'));
    if (columns === undefined) {
      // Lists: a row per series and step is put among the series' samples at t - offset, and a
      // window function over (t - offset - range, t - offset] (closed on the left before 3.0)
      // collects the samples' values and timestamps in time order at those rows; no sample is
      // copied per window.
      const width = rangeMs - adj;
      const windows = this.add(
        'win',
        `SELECT sid, ts + ${offsetMs} AS t, list_filter(vals, x -> x IS NOT NULL) AS vals,
       list_filter(tss, x -> x IS NOT NULL) AS tss,
       ts - ${rangeMs} AS range_start, ts AS range_end, ${rangeMs}::BIGINT AS range_ms
FROM (
  SELECT sid, ts, is_step,
         list(CASE WHEN is_step THEN NULL ELSE value END ORDER BY ts) OVER w AS vals,
         list(CASE WHEN is_step THEN NULL ELSE ts END ORDER BY ts) OVER w AS tss
  FROM (
    SELECT sid, ts, value, false AS is_step FROM ${allPoints()}
    WHERE ts >= ${startMs - offsetMs - rangeMs + adj} AND ts <= ${endMs - offsetMs}
    UNION ALL
    SELECT s.sid, g.t - ${offsetMs} AS ts, NULL::DOUBLE AS value, true AS is_step
    FROM (SELECT DISTINCT sid FROM ${allPoints()}) s CROSS JOIN ${this.stepsTable()} g
  )
  WINDOW w AS (PARTITION BY sid ORDER BY ts RANGE BETWEEN ${width} PRECEDING AND CURRENT ROW)
)
WHERE is_step AND len(list_filter(tss, x -> x IS NOT NULL)) > 0`,
      );
      return { windows, series };
    }
    const perSample = this.windowsPerSample(rangeMs);
    // Aggregates: each point is copied into the windows of the steps k_lo..k_hi holding it (as
    // promql_grid_windows does) and the windows are hash aggregates.
    const onGrid = (points: string) => `SELECT sid, ${startMs} + k * ${stepMs} AS t, ${columns},
       ${startMs} + k * ${stepMs} - ${offsetMs + rangeMs} AS range_start, ${startMs} + k * ${stepMs} - ${offsetMs} AS range_end,
       ${rangeMs}::BIGINT AS range_ms
FROM (
  SELECT p.sid, p.ts, p.value, greatest(p.k_lo, 0) + d.i AS k, p.k_hi
  FROM (SELECT *, promql_grid_k_lo(ts, ${startMs}, ${stepMs}, ${rangeMs}, ${offsetMs}) AS k_lo,
               promql_grid_k_hi(ts, ${startMs}, ${endMs}, ${stepMs}, ${rangeMs}, ${offsetMs}, ${leftOpen}) AS k_hi
        FROM ${points}
        WHERE ts >= ${startMs - offsetMs - rangeMs + adj} AND ts <= ${endMs - offsetMs}) p,
       range(0, ${perSample}) d(i)
  WHERE greatest(p.k_lo, 0) + d.i <= p.k_hi
)
GROUP BY sid, k`;
    if (segments && perSample > (this.ctx.gridWindowsPerSample ?? GRID_WINDOWS_PER_SAMPLE)) {
      // Aggregates by segments (as promql_segment_firstlast cuts time, src/models/020-promql-selectors.sql):
      // window k is [a0 + k * step, + len - 1]; the window starts and the ends + 1 cut time into
      // at most two segments per step, segment g = 2 * ((ts - a0) // step), + 1 at or after the
      // end cut d = len % step inside its step, and window k is segments 2k .. 2k + h (h = 2q with
      // d > 0, 2q - 1 without; q = len // step). Each sample is aggregated once into its segment,
      // then each segment into the windows k = ceil((g - h) / 2) .. g // 2 holding it: the
      // grid (onGrid) copies each sample into every window instead.
      const a0 = startMs - offsetMs - rangeMs + adj;
      const len = rangeMs + 1 - adj;
      const d = len % stepMs;
      const h = 2 * Math.floor(len / stepMs) - (d > 0 ? 0 : 1);
      const lastK = Math.floor((endMs - startMs) / stepMs);
      const cut = d > 0 ? ` + CASE WHEN (ts - ${a0}) % ${stepMs} >= ${d} THEN 1 ELSE 0 END` : '';
      const bySegments = (points: string) => `SELECT sid, ${startMs} + k * ${stepMs} AS t, agg,
       ${startMs} + k * ${stepMs} - ${offsetMs + rangeMs} AS range_start, ${startMs} + k * ${stepMs} - ${offsetMs} AS range_end,
       ${rangeMs}::BIGINT AS range_ms
FROM (
  SELECT sid, k, ${segments.win} AS agg
  FROM (
    SELECT *, unnest(range(greatest((g - ${h} + 1) // 2, 0), least(g // 2, ${lastK}) + 1)) AS k
    FROM (
      SELECT sid, 2 * ((ts - ${a0}) // ${stepMs})${cut} AS g, ${segments.seg}
      FROM ${points}
      WHERE ts >= ${a0} AND ts <= ${startMs + lastK * stepMs - offsetMs}
      GROUP BY ALL
    )
  )
  GROUP BY sid, k
)`;
      // Unless a way is forced, a selector's series with few samples per step take the grid's
      // copies (GRID_COPIES_PER_STEP), the others segments.
      if (selected === undefined || this.ctx.gridWindowsPerSample !== undefined)
        return { windows: this.add('win', bySegments(allPoints())), series };
      const dense = this.denseSeries(perSample);
      return {
        windows: this.add(
          'win',
          `${bySegments(selected(dense))}\nUNION ALL\n${onGrid(selected(`NOT ${dense}`))}`,
        ),
        series,
      };
    }
    return { windows: this.add('win', onGrid(allPoints())), series };
  }

  /**
   * SQL true for a selected series (s.series_id) whose samples are dense enough for windows by
   * segments: more than GRID_COPIES_PER_STEP copies per step on the grid, from series_stats.
   */
  private denseSeries(perSample: number): string {
    return `coalesce((SELECT st.samples * ${this.grid.stepMs * perSample} > ${GRID_COPIES_PER_STEP} * (st.last_ts - st.first_ts + 1)
                      FROM series_stats st WHERE st.series_id = s.series_id), true)`;
  }

  /** rate, increase, delta, irate, idelta, resets, changes of a range selector. */
  private windowFunction(func: string, m: MatrixSelector): Node {
    const series = this.selectorSeries(m.vector);
    const clampFirst = this.ctx.rules.clampFirst;
    const rate = (isCounter: boolean, isRate: boolean) =>
      `promql_extrapolated_rate(n, first_ts, first_value, last_ts, last_value, correction,
                                range_start, range_end, range_ms, ${isCounter}, ${isRate}, ${clampFirst})`;
    const value = {
      rate: rate(true, true),
      increase: rate(true, false),
      delta: rate(false, false),
      irate: 'promql_instant_value(n, last_ts, last_value, prev_ts, prev_value, true)',
      idelta: 'promql_instant_value(n, last_ts, last_value, prev_ts, prev_value, false)',
      resets: 'resets::DOUBLE',
      changes: 'changes::DOUBLE',
    }[func]!;
    const perSample = this.windowsPerSample(m.rangeMs);
    const args = (ids: string) =>
      `${ids}, ${this.steps()}, ${m.rangeMs}::BIGINT, ${m.vector.offsetMs}::BIGINT, ${this.ctx.rules.leftOpen}`;
    const asof = perSample > (this.ctx.gridWindowsPerSample ?? GRID_WINDOWS_PER_SAMPLE);
    // Series whose resets the loader recorded (series_stats) need no sort of their samples for
    // the counter functions.
    const ids = (complete: boolean, where = 'true') =>
      `(SELECT coalesce(list(s.series_id), []::INTEGER[]) FROM ${series} s
          WHERE ${complete ? '' : 'NOT '}coalesce((SELECT resets_complete FROM series_stats st WHERE st.series_id = s.series_id), false)
            AND ${where})`;
    let windows: string;
    // One step (an instant query) never has enough copies per step for segments.
    const oneStep = this.grid.endMs - this.grid.startMs < this.grid.stepMs;
    if (COUNTER_WINDOW_FUNCTIONS.has(func) && (this.ctx.segmentWindows ?? true) && (asof || !oneStep)) {
      // Each sample of those series read once into its segment, whatever the overlap; each
      // segment then copied into its few windows, or with many windows per segment the windows
      // found by ASOF joins over the segments (MAX_SEGMENT_COPIES). Unless a way is forced,
      // series with few samples per step take the grid's copies of their samples instead
      // (fewer than GRID_COPIES_PER_STEP copies per step). The others are sorted: ASOF joins or
      // the grid, as for the other range functions.
      const dense = this.ctx.gridWindowsPerSample === undefined ? this.denseSeries(perSample) : 'true';
      const perSegment = this.windowsPerSegment(m.rangeMs);
      const bySegments = perSegment <= MAX_SEGMENT_COPIES ? `'copies', ${perSegment}` : `'asof', 0`;
      const sorted = asof
        ? `promql_range_windows(${args(ids(false))})`
        : `promql_grid_windows(${args(ids(false))}, ${perSample})`;
      windows = `(SELECT * FROM promql_counter_windows(${args(ids(true, dense))}, ${bySegments})
  UNION ALL
  SELECT * FROM promql_counter_windows(${args(ids(true, `NOT ${dense}`))}, 'grid', ${perSample})
  UNION ALL
  SELECT * FROM ${sorted})`;
    } else if (asof) {
      windows = `promql_range_windows(${args(this.seriesIds(series))})`;
    } else if (COUNTER_WINDOW_FUNCTIONS.has(func)) {
      windows = `(SELECT * FROM promql_counter_windows(${args(ids(true))}, 'grid', ${perSample})
  UNION ALL
  SELECT * FROM promql_grid_windows(${args(ids(false))}, ${perSample}))`;
    } else {
      windows = `promql_grid_windows(${args(this.seriesIds(series))}, ${perSample})`;
    }
    return {
      kind: 'vector',
      sets: this.add('ls', `SELECT series_id AS lid, ${this.dropName('labels')} AS labels FROM ${series}`),
      // extrapolatedRate has no answer for fewer than two samples and always one otherwise
      // (030-range-functions.sql): filtering on the count spares DuckDB computing it twice, once
      // for the filter and once for the result, as it does with `value IS NOT NULL`.
      cte: this.add(
        func,
        EXTRAPOLATED_RATE_FUNCTIONS.has(func)
          ? `SELECT w.t, w.series_id AS lid, ${value} AS value, s.ord
FROM ${windows} w
JOIN ${series} s USING (series_id)
WHERE w.n >= 2`
          : `SELECT * FROM (
  SELECT w.t, w.series_id AS lid, ${value} AS value, s.ord
  FROM ${windows} w
  JOIN ${series} s USING (series_id)
) WHERE value IS NOT NULL`,
      ),
    };
  }

  // --- Whole-vector functions ------------------------------------------------------------

  /** absent / absent_over_time: 1 with the given labels at every step where the vector is empty. */
  private absent(v: string, labels: [string, string][]): Node {
    const list = `[${labels.map(([k, val]) => `{'key': ${stringLiteral(k)}, 'value': ${stringLiteral(val)}}`).join(', ')}]::STRUCT(key VARCHAR, value VARCHAR)[]`;
    return {
      kind: 'vector',
      cte: this.add(
        'absent',
        `SELECT g.t, ${list} AS labels, 1.0::DOUBLE AS value, 0 AS ord FROM ${this.stepsTable()} g
WHERE g.t NOT IN (SELECT t FROM ${v})`,
      ),
    };
  }

  /**
   * label_replace (functions.go funcLabelReplace): where the regex (anchored as label matchers
   * are) matches the source label's value, dst becomes the expanded replacement ($1, ${1},
   * $name); an empty result removes dst. The metric name stays.
   */
  private labelReplace(c: Call): Node {
    const [dst, repl, src, re] = c.args.slice(1).map((a) => (a as { value: string }).value) as [
      string,
      string,
      string,
      string,
    ];
    const pattern = this.regex(re);
    const replacement = stringLiteral(goTemplateToRe2(repl, re));
    return this.relabel(
      this.compile(c.args[0]!),
      (labels) => {
        const srcValue = `promql_label(${labels}, ${stringLiteral(src)})`;
        const newValue = `regexp_replace(${srcValue}, ${pattern}, ${replacement})`;
        return `CASE WHEN regexp_full_match(${srcValue}, ${pattern})
    THEN promql_set_label(${labels}, ${stringLiteral(dst)}, ${newValue}) ELSE ${labels} END`;
      },
      'x.value, x.ord',
    );
  }

  /** label_join: dst = the source labels' values joined by the separator (absent ones as ''). */
  private labelJoin(c: Call): Node {
    const [dst, sep, ...srcs] = c.args.slice(1).map((a) => (a as { value: string }).value) as string[];
    const joined = (labels: string) =>
      srcs.length
        ? `concat_ws(${stringLiteral(sep!)}, ${srcs.map((s) => `promql_label(${labels}, ${stringLiteral(s)})`).join(', ')})`
        : `''`;
    return this.relabel(
      this.compile(c.args[0]!),
      (labels) => `promql_set_label(${labels}, ${stringLiteral(dst!)}, ${joined(labels)})`,
      'x.value, x.ord',
    );
  }

  /** sort / sort_desc (funcSort, funcSortDesc): by value, NaN last; only an instant query's order changes. */
  private sortByValue(node: Node, desc: boolean): Node {
    return this.relabel(
      node,
      undefined,
      `x.value, row_number() OVER (PARTITION BY x.t ORDER BY isnan(x.value), x.value ${desc ? 'DESC' : 'ASC'}, x.ord) AS ord`,
    );
  }

  /** sort_by_label(_desc): by the labels' values in turn, then by the whole label set. */
  private sortByLabel(v: string, names: string[], desc: boolean): Node {
    const dir = desc ? 'DESC' : 'ASC';
    const keys = names.map((n) => `promql_natural_key(promql_label(labels, ${stringLiteral(n)})) ${dir}`);
    return {
      kind: 'vector',
      cte: this.add(
        'sort',
        `SELECT t, labels, value, row_number() OVER (PARTITION BY t ORDER BY ${[...keys, `labels ${dir}`].join(', ')}) AS ord FROM ${v}`,
      ),
    };
  }

  /**
   * histogram_quantile over classic buckets (functions.go funcHistogramQuantile, quantile.go
   * bucketQuantile): the series of one histogram share their labels but `le`; each group's
   * buckets, sorted by upper bound, give the quantile, labelled without le and the metric name
   * (two histograms that differ only in their name then clash, as in Prometheus).
   */
  private histogramQuantile(c: Call): Node {
    const vec: Node = { kind: 'vector', cte: this.vector(this.compile(c.args[1]!)) };
    const { cte, sqls: s } = this.withScalars(vec, [c.args[0]!]);
    const buckets = this.add(
      'hb',
      `SELECT t, list_filter(labels, e -> e.key <> 'le') AS labels,
       TRY_CAST(promql_label(labels, 'le') AS DOUBLE) AS upper, value, ord, ${s[0]} AS q
FROM ${cte}`,
    );
    return {
      kind: 'vector',
      cte: this.add(
        'hq',
        `SELECT t, ${this.dropName('labels')} AS labels, promql_bucket_quantile(any_value(q), list({'upper': upper, 'count': count} ORDER BY upper)) AS value,
       min(ord) AS ord
FROM (SELECT t, labels, upper, sum(value) AS count, min(ord) AS ord, any_value(q) AS q
      FROM ${buckets} WHERE upper IS NOT NULL GROUP BY t, labels, upper)
GROUP BY t, labels`,
      ),
    };
  }

  // --- Aggregations ----------------------------------------------------------------------

  private aggregate(a: Aggregate): Node {
    const compiled = this.compile(a.expr);
    const names = `${listLiteral(a.grouping)}::VARCHAR[]`;
    const group = a.without
      ? `list_filter(${this.dropName('labels')}, e -> NOT list_contains(${names}, e.key))`
      : `promql_keep_labels(labels, ${names})`;
    const kahan = this.ctx.rules.kahanSum;
    // Sums fold the group's values in Prometheus' input order (040-aggregations.sql), so results
    // match to the last bit. promql_in_order(list(...)) sorts each group's small list after the
    // hash aggregate: list(value ORDER BY ord), DuckDB's ordered aggregate, took a third of the
    // CPU of sum by (groupname) (rate(x[1m])) at 20M samples (docs/performance.md).
    const ordered = `promql_in_order(list({'o': ord, 'v': value}))`;
    const sum = kahan ? `promql_kahan_sum(${ordered})` : `promql_plain_sum(${ordered})`;
    const param = a.param && a.op !== 'count_values' ? this.compile(a.param) : undefined;
    const withParam = param ? this.withScalars(compiled, [param]) : undefined;
    const p = withParam?.sqls[0] ?? 'NULL';
    const src = withParam?.cte ?? this.rows(compiled);
    // With label-set numbers, each set's group is found once and numbered (grouping is then
    // that number), and the groups' label sets are the result's.
    const sets = compiled.kind === 'vector' ? compiled.sets : undefined;
    const groups = sets
      ? this.add(
          'gk',
          `SELECT lid, grouping, dense_rank() OVER (ORDER BY grouping) AS gid FROM (SELECT lid, ${group} AS grouping FROM ${sets})`,
        )
      : undefined;
    const groupSets = groups
      ? this.add('ls', `SELECT DISTINCT gid AS lid, grouping AS labels FROM ${groups}`)
      : undefined;
    const input = groups
      ? this.add(
          'grp',
          `SELECT x.t, g.gid AS grouping, x.lid, x.value, x.ord, ${p} AS p FROM ${src} x JOIN ${groups} g USING (lid)`,
        )
      : this.add('grp', `SELECT t, ${group} AS grouping, labels, value, ord, ${p} AS p FROM ${src}`);
    const out = sets ? 'lid' : 'labels';
    const simple: Record<string, string> = {
      sum,
      // 3.x: Kahan sum divided by the count, incremental once it overflows; 2.42: incremental mean.
      avg: kahan ? `promql_avg_kahan(${ordered})` : `promql_incremental_mean(${ordered})`,
      count: 'count(*)::DOUBLE',
      // Go's min/max skip NaN unless every input is NaN (`if group.value > s.V || math.IsNaN(group.value)`).
      min: `coalesce(min(value) FILTER (WHERE NOT isnan(value)), 'nan'::DOUBLE)`,
      max: `coalesce(max(value) FILTER (WHERE NOT isnan(value)), 'nan'::DOUBLE)`,
      group: '1.0::DOUBLE',
      stdvar: `promql_stdvar(${ordered})`,
      stddev: `sqrt(promql_stdvar(${ordered}))`,
    };
    if (simple[a.op] !== undefined)
      return {
        kind: 'vector',
        cte: this.add(
          a.op,
          `SELECT t, grouping AS ${out}, ${simple[a.op]} AS value, min(ord) AS ord FROM ${input} GROUP BY t, grouping`,
        ),
        sets: groupSets,
      };
    if (a.op === 'count_values') {
      // aggregationCountValues: each sample's labels get the value (Go's FormatFloat 'f', -1) as
      // the named label, then are grouped (by adds that label, without never removes it) and counted.
      const name = (a.param as { value: string }).value;
      const withValue = `promql_set_label(labels, ${stringLiteral(name)}, promql_format_float(value))`;
      const grouping = a.without ? a.grouping.filter((g) => g !== name) : [...a.grouping, name];
      const list = `${listLiteral(grouping)}::VARCHAR[]`;
      const key = a.without
        ? `list_filter(${this.dropName(withValue)}, e -> NOT list_contains(${list}, e.key))`
        : `promql_keep_labels(${withValue}, ${list})`;
      return {
        kind: 'vector',
        cte: this.add(
          'cv',
          `SELECT t, ${key} AS labels, count(*)::DOUBLE AS value, min(ord) AS ord FROM ${this.vector(compiled)} GROUP BY t, ${key}`,
        ),
      };
    }
    if (a.op === 'quantile')
      return {
        kind: 'vector',
        cte: this.add(
          'quantile',
          `SELECT t, grouping AS ${out}, promql_quantile(any_value(p), list(value)) AS value, min(ord) AS ord FROM ${input} GROUP BY t, grouping`,
        ),
        sets: groupSets,
      };
    if (a.op === 'limit_ratio') throw new Error('planner bug: limit_ratio');
    // topk, bottomk, limitk: the k first of each group (by value, NaN last, for topk/bottomk; in
    // input order for limitk); the samples keep their labels. An instant query lists each group's
    // members in that order, the groups in order of their first member.
    const order = a.op === 'limitk' ? 'ord' : `isnan(value), value ${a.op === 'topk' ? 'DESC' : 'ASC'}, ord`;
    // A NaN k is an error at any step, even one without input (engine.go: "Parameter value is
    // NaN"); the check's row is read by a UNION ALL branch so it always runs.
    const check = this.add(
      'check',
      `SELECT CASE WHEN EXISTS (SELECT 1 FROM ${this.scalarCte(param!)} WHERE isnan(value))
  THEN error('${QUERY_ERROR}Parameter value is NaN for parameter k') ELSE true END AS ok`,
    );
    return {
      kind: 'vector',
      cte: this.add(
        a.op,
        `SELECT t, ${out}, value, min(ord) OVER (PARTITION BY t, grouping) * 1000000 + rn AS ord FROM (
  SELECT *, row_number() OVER (PARTITION BY t, grouping ORDER BY ${order}) AS rn FROM ${input}
) WHERE rn <= p
UNION ALL
SELECT NULL, NULL, NULL, NULL FROM ${check} WHERE NOT ok`,
      ),
      sets,
    };
  }

  // --- Binary operators ------------------------------------------------------------------

  /** Two scalars combined: a constant from constants, else per step. */
  private scalarPair(lhs: Node, rhs: Node, f: (l: string, r: string) => string): Node {
    if (lhs.kind === 'const' && rhs.kind === 'const') return { kind: 'const', sql: f(lhs.sql, rhs.sql) };
    const l = this.scalarCte(lhs);
    const r = this.scalarCte(rhs);
    return {
      kind: 'scalar',
      cte: this.add(
        'sc',
        `SELECT l.t, ${f('l.value', 'r.value')} AS value FROM ${l} l JOIN ${r} r USING (t)`,
      ),
    };
  }

  private binary(b: Binary): Node {
    const lhs = this.compile(b.lhs);
    const rhs = this.compile(b.rhs);
    const isCmp = (COMPARISONS as readonly string[]).includes(b.op);
    if ((lhs.kind === 'const' || lhs.kind === 'scalar') && (rhs.kind === 'const' || rhs.kind === 'scalar'))
      return this.scalarPair(lhs, rhs, (l, r) =>
        isCmp ? `promql_cmp('${b.op}', ${l}, ${r})::DOUBLE` : arithmetic(b.op, l, r),
      );
    if (lhs.kind === 'vector' && rhs.kind === 'vector')
      return this.vectorBinary(b, this.vector(lhs), this.vector(rhs));
    // Vector and scalar (engine.go VectorscalarBinop): arithmetic drops the metric name; a
    // comparison keeps the vector's samples it holds for (its value, even when the scalar is on
    // the left) or, with bool, gives 0/1 without the name.
    const vecLeft = lhs.kind === 'vector';
    const vec = vecLeft ? lhs : rhs;
    const s = vecLeft ? rhs : lhs;
    let scalar: string;
    let join = '';
    if (s.kind === 'const') scalar = s.sql;
    else {
      join = ` JOIN ${this.scalarCte(s)} sc ON sc.t = x.t`;
      scalar = 'sc.value';
    }
    const [l, r] = vecLeft ? ['x.value', scalar] : [scalar, 'x.value'];
    if (!isCmp)
      return this.relabel(
        vec,
        (labels) => this.arithmeticLabels(b.op, labels),
        `${arithmetic(b.op, l, r)} AS value, x.ord`,
        join,
      );
    const cmp = `promql_cmp('${b.op}', ${l}, ${r})`;
    if (b.returnBool)
      return this.relabel(vec, (labels) => this.dropName(labels), `${cmp}::DOUBLE AS value, x.ord`, join);
    return this.relabel(vec, undefined, 'x.value, x.ord', `${join} WHERE ${cmp}`);
  }

  /**
   * Two vectors (engine.go VectorBinop, VectorAnd/Or/Unless): samples match on their label sets
   * without __name__ (and, in Prometheus 3, __type__ and __unit__), or on only the on(...)
   * labels, or without the ignoring(...) ones.
   */
  private vectorBinary(b: Binary, lhsCte: string, rhsCte: string): Node {
    const names = `${listLiteral(b.matching.labels)}::VARCHAR[]`;
    const key = b.matching.on
      ? `promql_keep_labels(labels, ${names})`
      : `list_filter(${this.dropName('labels')}, e -> NOT list_contains(${names}, e.key))`;
    if (b.op === 'and' || b.op === 'unless' || b.op === 'or') {
      const l = this.add('lhs', `SELECT t, labels, value, ord, ${key} AS k FROM ${lhsCte}`);
      const r = this.add('rhs', `SELECT t, labels, value, ord, ${key} AS k FROM ${rhsCte}`);
      const sql = {
        and: `SELECT t, labels, value, ord FROM ${l} WHERE (t, k) IN (SELECT t, k FROM ${r})`,
        unless: `SELECT t, labels, value, ord FROM ${l} WHERE (t, k) NOT IN (SELECT t, k FROM ${r})`,
        // The right side's samples follow the left's in an instant query's vector.
        or: `SELECT t, labels, value, ord FROM ${l}
UNION ALL
SELECT t, labels, value, ord + 1000000000 FROM ${r} WHERE (t, k) NOT IN (SELECT t, k FROM ${l})`,
      }[b.op];
      return { kind: 'vector', cte: this.add(b.op, sql) };
    }
    // group_right swaps the sides: the "one" side is the left (engine.go: `lhs, rhs = rhs, lhs`).
    const swap = b.matching.card === 'one-to-many';
    const [many, one] = swap ? [rhsCte, lhsCte] : [lhsCte, rhsCte];
    const l = this.add('lhs', `SELECT t, labels, ${key} AS k, value, ord FROM ${many}`);
    const r = this.add('rhs', `SELECT t, labels, ${key} AS k, value FROM ${one}`);
    const isCmp = (COMPARISONS as readonly string[]).includes(b.op);
    // resultMetric: arithmetic (and bool) drops the name; one-to-one keeps the on(...) labels or
    // drops the ignoring(...) ones; group_x(...) labels are copied from the "one" side.
    let labels =
      isCmp && !b.returnBool
        ? 'l.labels'
        : b.returnBool
          ? this.dropName('l.labels')
          : this.arithmeticLabels(b.op, 'l.labels');
    if (b.matching.card === 'one-to-one')
      labels = b.matching.on
        ? `promql_keep_labels(${labels}, ${names})`
        : `list_filter(${labels}, e -> NOT list_contains(${names}, e.key))`;
    for (const inc of b.matching.include)
      labels = `promql_set_label(${labels}, ${stringLiteral(inc)}, promql_label(r.labels, ${stringLiteral(inc)}))`;
    const [lv, rv] = swap ? ['r.value', 'l.value'] : ['l.value', 'r.value'];
    let value: string;
    let where = '';
    if (!isCmp) value = arithmetic(b.op, lv, rv);
    else if (b.returnBool) value = `promql_cmp('${b.op}', ${lv}, ${rv})::DOUBLE`;
    else {
      value = lv;
      where = ` AND promql_cmp('${b.op}', ${lv}, ${rv})`;
    }
    // Prometheus refuses, at a step where both sides have samples, two "one"-side series with one
    // key, matched or not (many-to-many), and in one-to-one matching two left-hand series matching one right-hand
    // one (many-to-one without group_left). The check row raises the error; the result reads it.
    const oneToOne = b.matching.card === 'one-to-one';
    const check = this.add(
      'check',
      `SELECT CASE
  WHEN EXISTS (SELECT 1 FROM ${r} WHERE t IN (SELECT t FROM ${l}) GROUP BY t, k HAVING count(*) > 1)
    THEN error('${MANY_TO_MANY}')
  ${
    oneToOne
      ? `WHEN EXISTS (SELECT 1 FROM ${l} WHERE (t, k) IN (SELECT t, k FROM ${r}) GROUP BY t, k HAVING count(*) > 1)
    THEN error('${MANY_TO_ONE}')`
      : ''
  }
  ELSE true END AS ok`,
    );
    return {
      kind: 'vector',
      cte: this.add(
        'op',
        `SELECT l.t, ${labels} AS labels, ${value} AS value, l.ord
FROM ${l} l
JOIN ${r} r ON l.t = r.t AND l.k = r.k
WHERE (SELECT ok FROM ${check})${where}`,
      ),
    };
  }
}

/**
 * A label regex as Prometheus compiles it: ^(?:re)$ (2.x), ^(?s:re)$ (3.x), RE2 in both (and in
 * DuckDB); regexp_full_match supplies the anchors.
 */
export function anchoredRegex(re: string, rules: SemanticsRules): string {
  return rules.regexDotAll ? `(?s:${re})` : `(?:${re})`;
}

/** Every regex of a query (matchers, label_replace) with the position to report it at. */
export function regexesOf(e: Expr): { re: string; pos: number }[] {
  switch (e.type) {
    case 'vector':
      return e.matchers
        .filter((m) => m.op === '=~' || m.op === '!~')
        .map((m) => ({ re: m.value, pos: e.pos }));
    case 'matrix':
      return regexesOf(e.vector);
    case 'subquery':
    case 'aggregate':
    case 'unary':
      return regexesOf(e.expr);
    case 'binary':
      return [...regexesOf(e.lhs), ...regexesOf(e.rhs)];
    case 'call': {
      const own =
        e.func === 'label_replace'
          ? [{ re: (e.args[4] as { value: string }).value, pos: e.args[4]!.pos }]
          : [];
      return [...own, ...e.args.flatMap(regexesOf)];
    }
    default:
      return [];
  }
}

/**
 * The labels absent() and absent_over_time() give (functions.go createLabelsForAbsentFunction):
 * a selector's `=` matchers other than the name, a label matched twice left out.
 */
function absentLabels(e: Expr): [string, string][] {
  const matchers = e.type === 'vector' ? e.matchers : e.type === 'matrix' ? e.vector.matchers : [];
  const out = new Map<string, string | undefined>();
  for (const m of matchers) {
    if (m.name === '__name__') continue;
    if (m.op === '=' && !out.has(m.name)) out.set(m.name, m.value);
    else out.set(m.name, undefined);
  }
  return [...out.entries()]
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/**
 * Go's regexp Expand template ($1, ${1}, $name, ${name}, $$) as an RE2 replacement for DuckDB's
 * regexp_replace (\1, \\ for a backslash). A name is replaced by its group's number; a name or
 * number that is no group expands to nothing, as in Go.
 */
export function goTemplateToRe2(template: string, regex: string): string {
  const groups = captureGroups(regex);
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    if (ch === '\\') {
      out += '\\\\';
      continue;
    }
    if (ch !== '$') {
      out += ch;
      continue;
    }
    if (template[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string | undefined;
    let end = i;
    const braced = /^\{([A-Za-z0-9_]+)\}/.exec(template.slice(i + 1));
    const bare = /^[A-Za-z0-9_]+/.exec(template.slice(i + 1));
    if (braced) {
      name = braced[1];
      end = i + braced[0].length;
    } else if (bare) {
      name = bare[0];
      end = i + bare[0].length;
    }
    if (name === undefined) {
      out += '$';
      continue;
    }
    i = end;
    const index = /^\d+$/.test(name) ? Number(name) : groups.indexOf(name) + 1;
    if (index > 0 && index <= groups.length) out += `\\${index}`;
    else if (index === 0 && /^\d+$/.test(name)) out += '\\0';
  }
  return out;
}

/** The capture groups of a regex in order: their names ('' for unnamed ones). */
function captureGroups(regex: string): string[] {
  const groups: string[] = [];
  for (let i = 0; i < regex.length; i++) {
    if (regex[i] === '\\') {
      i++;
      continue;
    }
    if (regex[i] === '[') {
      // Skip a character class.
      i++;
      if (regex[i] === '^') i++;
      if (regex[i] === ']') i++;
      while (i < regex.length && regex[i] !== ']') {
        if (regex[i] === '\\') i++;
        i++;
      }
      continue;
    }
    if (regex[i] !== '(') continue;
    const named = /^\(\?P?<([A-Za-z0-9_]+)>/.exec(regex.slice(i));
    if (named) groups.push(named[1]!);
    else if (regex[i + 1] !== '?') groups.push('');
  }
  return groups;
}

/** Markers of the errors the one-to-one check raises inside DuckDB (engine.ts maps them to messages). */
export const MANY_TO_MANY = 'promql-check: many-to-many';
export const MANY_TO_ONE = 'promql-check: many-to-one';
/** Followed by the label set as PromQL writes it (promql_format_labels). */
export const DUPLICATE_SERIES = 'promql-check: duplicate series ';

/** Go float64 arithmetic in DuckDB (IEEE division: 1/0 is +Inf; % is math.Mod; ^ is math.Pow). */
function arithmetic(op: string, a: string, b: string): string {
  switch (op) {
    case '%':
      return `promql_mod(${a}, ${b})`;
    case '^':
      return `pow(${a}, ${b})`;
    case 'atan2':
      return `atan2(${a}, ${b})`;
    default:
      return `(${a} ${op} ${b})`;
  }
}

export function doubleLiteral(v: number): string {
  if (Number.isNaN(v)) return `'nan'::DOUBLE`;
  if (v === Infinity) return `'inf'::DOUBLE`;
  if (v === -Infinity) return `'-inf'::DOUBLE`;
  return `'${Object.is(v, -0) ? '-0.0' : String(v)}'::DOUBLE`;
}

export function stringLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function listLiteral(items: string[]): string {
  return `[${items.map(stringLiteral).join(', ')}]`;
}
