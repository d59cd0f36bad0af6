import type { Aggregate, ArithmeticOp, Binary, Call, Expr, LabelMatcher, VectorSelector } from './ast.js';
import { LOOKBACK_MS, type SemanticsRules } from './semantics.js';

/** Where and how a query is evaluated: steps start, start + step, ... <= end (integer ms). */
export interface EvalContext {
  startMs: number;
  endMs: number;
  stepMs: number;
  rules: SemanticsRules;
  /** Restrict every selector to this deployment (--deployment). */
  deployment?: string;
  /** Add each series' deployment as label `deployment` (DESIGN.md); off only for Prometheus' own test data. */
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
 * The compiled query: one SQL statement returning (t, labels, value) rows ordered by series then
 * time, labels being a sorted list of {key, value}. For a scalar expression labels is empty. A
 * range query's vector rows also carry sid, the label set's number, and labels only on the first
 * row of each label set (NULL on the others).
 */
export interface Plan {
  sql: string;
  resultType: 'vector' | 'scalar';
}

/**
 * A compiled sub-expression: an instant vector is a CTE of (t, labels, value, ord), ord being the
 * position Prometheus gives the sample in its vector (the selector's series order: the rank of
 * the series' label set among the selected ones, an integer so sorting on it is cheap; carried
 * through functions and operators, the first member for an aggregation group); a scalar is an
 * SQL expression.
 */
type Node = { kind: 'vector'; cte: string } | { kind: 'scalar'; sql: string };

/**
 * Compiles a PromQL syntax tree to one DuckDB statement (parse → plan → SQL; the SQL models in
 * src/models/ do the per-window arithmetic). Every step of a range query is evaluated in the same
 * set-based statement.
 */
export function planQuery(expr: Expr, ctx: EvalContext): Plan {
  const planner = new Planner(ctx);
  const root = planner.compile(expr);
  const ctes = planner.ctes.map(([name, sql]) => `${name} AS (\n${sql}\n)`).join(',\n');
  // Times leave as DOUBLE (exact for ms), so the engine reads them as JS numbers.
  if (root.kind === 'scalar') {
    const sql = `SELECT t::DOUBLE AS t, []::STRUCT(key VARCHAR, value VARCHAR)[] AS labels, ${root.sql} AS value
FROM (SELECT unnest(range(${ctx.startMs}::BIGINT, ${ctx.endMs + 1}::BIGINT, ${ctx.stepMs}::BIGINT)) AS t) ORDER BY t`;
    return { sql: ctes ? `WITH ${ctes}\n${sql}` : sql, resultType: 'scalar' };
  }
  // An instant query's vector keeps evaluation order.
  if (ctx.startMs === ctx.endMs)
    return {
      sql: `WITH ${ctes}\nSELECT t::DOUBLE AS t, labels, value FROM ${root.cte} ORDER BY ord, labels`,
      resultType: 'vector',
    };
  // A range query's matrix is sorted by label set (Prometheus sort.Sort(mat)). Each label set is
  // numbered (sid) and sent once, on its first row: converting it for every point costs more
  // than the query. Two samples of one label set at one step are refused as Prometheus does
  // (engine.go rangeEval), here before the first row leaves DuckDB, as the result is streamed.
  return {
    sql: `WITH ${ctes},
result AS (SELECT t, labels, value FROM ${root.cte}),
label_sets AS (
  SELECT labels,
         CASE WHEN count(*) <> count(DISTINCT t)
              THEN error('${DUPLICATE_SERIES}' || promql_format_labels(labels)) ELSE min(t) END AS first_t,
         row_number() OVER (ORDER BY labels) AS sid
  FROM result GROUP BY labels
)
SELECT r.t::DOUBLE AS t, k.sid::INTEGER AS sid, CASE WHEN r.t = k.first_t THEN k.labels END AS labels, r.value
FROM result r JOIN label_sets k ON r.labels = k.labels
ORDER BY k.sid, r.t`,
    resultType: 'vector',
  };
}

class Planner {
  readonly ctes: [string, string][] = [];
  private counter = 0;

  constructor(private readonly ctx: EvalContext) {}

  private add(prefix: string, sql: string): string {
    const name = `${prefix}${++this.counter}`;
    this.ctes.push([name, sql]);
    return name;
  }

  compile(e: Expr): Node {
    switch (e.type) {
      case 'number':
        return { kind: 'scalar', sql: doubleLiteral(e.value) };
      case 'vector':
        return { kind: 'vector', cte: this.instantSelector(e) };
      case 'matrix':
        // The parser only lets a range selector appear as a range function's argument.
        throw new Error('planner bug: bare range selector');
      case 'call':
        return { kind: 'vector', cte: this.rangeFunction(e) };
      case 'aggregate':
        return { kind: 'vector', cte: this.aggregate(e) };
      case 'unary': {
        const inner = this.compile(e.expr);
        if (e.op === '+') return inner;
        if (inner.kind === 'scalar') return { kind: 'scalar', sql: `(-${inner.sql})` };
        return {
          kind: 'vector',
          cte: this.add(
            'neg',
            `SELECT t, promql_drop_name(labels) AS labels, -value AS value, ord FROM ${inner.cte}`,
          ),
        };
      }
      case 'binary':
        return this.binary(e);
    }
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
    // Prometheus anchors label regexes: ^(?:re)$ (2.x), ^(?s:re)$ (3.x); RE2 in both.
    const re = stringLiteral(this.ctx.rules.regexDotAll ? `(?s:${m.value})` : `(?:${m.value})`);
    switch (m.op) {
      case '=':
        return `${value} = ${stringLiteral(m.value)}`;
      case '!=':
        return `${value} <> ${stringLiteral(m.value)}`;
      case '=~':
        return `regexp_full_match(${value}, ${re})`;
      case '!~':
        return `NOT regexp_full_match(${value}, ${re})`;
    }
  }

  private seriesIds(series: string): string {
    return `(SELECT coalesce(list(series_id), []::INTEGER[]) FROM ${series})`;
  }

  private steps(): string {
    const { startMs, endMs, stepMs } = this.ctx;
    return `${startMs}::BIGINT, ${endMs}::BIGINT, ${stepMs}::BIGINT`;
  }

  /** How many steps' windows one sample can fall in: at most one per step inside the range. */
  private windowsPerSample(rangeMs: number): number {
    const { startMs, endMs, stepMs, rules } = this.ctx;
    const steps = Math.floor((endMs - startMs) / stepMs) + 1;
    return Math.min(steps, Math.floor((rangeMs - (rules.leftOpen ? 1 : 0)) / stepMs) + 1);
  }

  private instantSelector(v: VectorSelector): string {
    const series = this.selectorSeries(v);
    return this.add(
      'sel',
      `SELECT i.t, s.labels, i.value, s.ord
FROM promql_instant(${this.seriesIds(series)}, ${this.steps()}, ${v.offsetMs}::BIGINT, ${LOOKBACK_MS}::BIGINT, ${this.ctx.rules.leftOpen}) i
JOIN ${series} s USING (series_id)`,
    );
  }

  private rangeFunction(c: Call): string {
    const m = c.arg;
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
    }[c.func];
    const perSample = this.windowsPerSample(m.rangeMs);
    const args = (ids: string) =>
      `${ids}, ${this.steps()}, ${m.rangeMs}::BIGINT, ${m.vector.offsetMs}::BIGINT, ${this.ctx.rules.leftOpen}`;
    const asof = perSample > (this.ctx.gridWindowsPerSample ?? GRID_WINDOWS_PER_SAMPLE);
    // Series whose resets the loader recorded (series_stats) need no sort of their samples for
    // the counter functions.
    const ids = (complete: boolean) =>
      `(SELECT coalesce(list(s.series_id), []::INTEGER[]) FROM ${series} s
          WHERE ${complete ? '' : 'NOT '}coalesce((SELECT resets_complete FROM series_stats st WHERE st.series_id = s.series_id), false))`;
    let windows: string;
    if (asof && COUNTER_WINDOW_FUNCTIONS.has(c.func) && (this.ctx.segmentWindows ?? true)) {
      // Each sample of those series read once, whatever the overlap (by segments); the others
      // are sorted and found by ASOF joins. (At small overlaps the grid below costs
      // less: measured in docs/performance.md.)
      windows = `(SELECT * FROM promql_counter_windows(${args(ids(true))}, true, 0)
  UNION ALL
  SELECT * FROM promql_range_windows(${args(ids(false))}))`;
    } else if (asof) {
      windows = `promql_range_windows(${args(this.seriesIds(series))})`;
    } else if (COUNTER_WINDOW_FUNCTIONS.has(c.func)) {
      windows = `(SELECT * FROM promql_counter_windows(${args(ids(true))}, false, ${perSample})
  UNION ALL
  SELECT * FROM promql_grid_windows(${args(ids(false))}, ${perSample}))`;
    } else {
      windows = `promql_grid_windows(${args(this.seriesIds(series))}, ${perSample})`;
    }
    return this.add(
      c.func,
      `SELECT * FROM (
  SELECT w.t, promql_drop_name(s.labels) AS labels, ${value} AS value, s.ord
  FROM ${windows} w
  JOIN ${series} s USING (series_id)
) WHERE value IS NOT NULL`,
    );
  }

  private aggregate(a: Aggregate): string {
    const inner = this.compile(a.expr);
    if (inner.kind !== 'vector') throw new Error('planner bug: aggregation over a scalar');
    const names = `${listLiteral(a.grouping)}::VARCHAR[]`;
    const group = a.without ? `promql_drop_labels(labels, ${names})` : `promql_keep_labels(labels, ${names})`;
    const kahan = this.ctx.rules.kahanSum;
    // Sums fold the group's values in Prometheus' input order (040-aggregations.sql), so results
    // match to the last bit. promql_in_order(list(...)) sorts each group's small list after the
    // hash aggregate: list(value ORDER BY ord), DuckDB's ordered aggregate, took a third of the
    // CPU of sum by (groupname) (rate(x[1m])) at 20M samples (docs/performance.md).
    const ordered = `promql_in_order(list({'o': ord, 'v': value}))`;
    const sum = kahan ? `promql_kahan_sum(${ordered})` : `promql_plain_sum(${ordered})`;
    // Go's min/max skip NaN unless every input is NaN (`if group.value > s.V || math.IsNaN(group.value)`).
    const agg = {
      sum,
      // 3.x: Kahan sum divided by the count, incremental once it overflows; 2.42: incremental mean.
      avg: kahan ? `promql_avg_kahan(${ordered})` : `promql_incremental_mean(${ordered})`,
      count: 'count(*)::DOUBLE',
      min: `coalesce(min(value) FILTER (WHERE NOT isnan(value)), 'nan'::DOUBLE)`,
      max: `coalesce(max(value) FILTER (WHERE NOT isnan(value)), 'nan'::DOUBLE)`,
    }[a.op];
    return this.add(
      a.op,
      `SELECT t, grouping AS labels, ${agg} AS value, min(ord) AS ord
FROM (SELECT t, ${group} AS grouping, value, ord FROM ${inner.cte})
GROUP BY t, grouping`,
    );
  }

  private binary(b: Binary): Node {
    const lhs = this.compile(b.lhs);
    const rhs = this.compile(b.rhs);
    if (lhs.kind === 'scalar' && rhs.kind === 'scalar')
      return { kind: 'scalar', sql: arithmetic(b.op, lhs.sql, rhs.sql) };
    if (lhs.kind === 'vector' && rhs.kind === 'scalar') {
      return {
        kind: 'vector',
        cte: this.add(
          'op',
          `SELECT t, promql_drop_name(labels) AS labels, ${arithmetic(b.op, 'value', rhs.sql)} AS value, ord FROM ${lhs.cte}`,
        ),
      };
    }
    if (lhs.kind === 'scalar' && rhs.kind === 'vector') {
      return {
        kind: 'vector',
        cte: this.add(
          'op',
          `SELECT t, promql_drop_name(labels) AS labels, ${arithmetic(b.op, lhs.sql, 'value')} AS value, ord FROM ${rhs.cte}`,
        ),
      };
    }
    if (lhs.kind !== 'vector' || rhs.kind !== 'vector') throw new Error('planner bug: operand kinds');
    // One-to-one matching (Prometheus engine.go VectorBinop): the match key is the label set without
    // __name__ (or only the on(...) labels, or without the ignoring(...) ones), and the result
    // carries exactly that key (resultMetric for CardOneToOne).
    const names = `${listLiteral(b.matching.labels)}::VARCHAR[]`;
    const key = b.matching.on
      ? `promql_keep_labels(labels, ${names})`
      : `promql_drop_labels(labels, ${names})`;
    const l = this.add('lhs', `SELECT t, ${key} AS k, value, ord FROM ${lhs.cte}`);
    const r = this.add('rhs', `SELECT t, ${key} AS k, value FROM ${rhs.cte}`);
    // Prometheus refuses, at a step where both sides have samples, two right-hand series with
    // one key (many-to-many), and two left-hand series matching one right-hand one (many-to-one
    // without group_left). The check row raises the error; the result reads it so it runs.
    const check = this.add(
      'check',
      `SELECT CASE
  WHEN EXISTS (SELECT 1 FROM ${r} WHERE t IN (SELECT t FROM ${l}) GROUP BY t, k HAVING count(*) > 1)
    THEN error('${MANY_TO_MANY}')
  WHEN EXISTS (SELECT 1 FROM ${l} WHERE (t, k) IN (SELECT t, k FROM ${r}) GROUP BY t, k HAVING count(*) > 1)
    THEN error('${MANY_TO_ONE}')
  ELSE true END AS ok`,
    );
    return {
      kind: 'vector',
      cte: this.add(
        'op',
        `SELECT l.t, l.k AS labels, ${arithmetic(b.op, 'l.value', 'r.value')} AS value, l.ord
FROM ${l} l
JOIN ${r} r ON l.t = r.t AND l.k = r.k
WHERE (SELECT ok FROM ${check})`,
      ),
    };
  }
}

/** Range functions that need only a window's count, first and last sample and counter correction. */
const COUNTER_WINDOW_FUNCTIONS = new Set(['rate', 'increase', 'delta', 'resets']);

/** Markers of the errors the one-to-one check raises inside DuckDB (engine.ts maps them to messages). */
export const MANY_TO_MANY = 'promql-check: many-to-many';
export const MANY_TO_ONE = 'promql-check: many-to-one';
/** Followed by the label set as PromQL writes it (promql_format_labels). */
export const DUPLICATE_SERIES = 'promql-check: duplicate series ';

/** Go float64 arithmetic in DuckDB (IEEE division: 1/0 is +Inf; % is math.Mod; ^ is math.Pow). */
function arithmetic(op: ArithmeticOp, a: string, b: string): string {
  switch (op) {
    case '%':
      return `fmod(${a}, ${b})`;
    case '^':
      return `pow(${a}, ${b})`;
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
