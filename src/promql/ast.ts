/** The PromQL syntax tree (docs/promql.md). Positions are 0-based offsets into the query. */

export type Expr =
  | NumberLiteral
  | StringLiteral
  | VectorSelector
  | MatrixSelector
  | Subquery
  | Call
  | Aggregate
  | Binary
  | Unary;

export interface NumberLiteral {
  type: 'number';
  value: number;
  pos: number;
}

export interface StringLiteral {
  type: 'string';
  value: string;
  pos: number;
}

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  name: string;
  op: MatchOp;
  value: string;
}

/** The `@` modifier: a fixed unix time in ms, or the query's start or end (`@ start()`, `@ end()`). */
export type AtModifier = number | 'start' | 'end';

export interface VectorSelector {
  type: 'vector';
  /** Every matcher, the metric name included as `__name__ = name`. */
  matchers: LabelMatcher[];
  offsetMs: number;
  at?: AtModifier;
  pos: number;
}

export interface MatrixSelector {
  type: 'matrix';
  vector: VectorSelector;
  rangeMs: number;
  pos: number;
}

/** `expr[range:step]`; stepMs 0 means the query's step (Prometheus' default evaluation interval). */
export interface Subquery {
  type: 'subquery';
  expr: Expr;
  rangeMs: number;
  stepMs: number;
  offsetMs: number;
  at?: AtModifier;
  pos: number;
}

export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

/**
 * A function's signature (Prometheus promql/parser/functions.go): argument types, how many of the
 * last may be left out (variadic; -1 = any number more of the last type), and the result type.
 */
export interface FunctionSignature {
  args: ValueType[];
  variadic: number;
  returns: ValueType;
}

const V: ValueType = 'vector';
const S: ValueType = 'scalar';
const M: ValueType = 'matrix';
const STR: ValueType = 'string';
const sig = (args: ValueType[], returns: ValueType, variadic = 0): FunctionSignature => ({
  args,
  returns,
  variadic,
});

/** Every function the planner compiles, with its signature. */
export const FUNCTIONS: Record<string, FunctionSignature> = {
  // Range functions (functions.go, over a range vector).
  rate: sig([M], V),
  increase: sig([M], V),
  delta: sig([M], V),
  irate: sig([M], V),
  idelta: sig([M], V),
  resets: sig([M], V),
  changes: sig([M], V),
  deriv: sig([M], V),
  predict_linear: sig([M, S], V),
  avg_over_time: sig([M], V),
  sum_over_time: sig([M], V),
  count_over_time: sig([M], V),
  min_over_time: sig([M], V),
  max_over_time: sig([M], V),
  last_over_time: sig([M], V),
  first_over_time: sig([M], V),
  present_over_time: sig([M], V),
  absent_over_time: sig([M], V),
  quantile_over_time: sig([S, M], V),
  stddev_over_time: sig([M], V),
  stdvar_over_time: sig([M], V),
  mad_over_time: sig([M], V),
  ts_of_first_over_time: sig([M], V),
  ts_of_last_over_time: sig([M], V),
  ts_of_min_over_time: sig([M], V),
  ts_of_max_over_time: sig([M], V),
  double_exponential_smoothing: sig([M, S, S], V),
  holt_winters: sig([M, S, S], V),
  // Per-sample functions.
  abs: sig([V], V),
  ceil: sig([V], V),
  floor: sig([V], V),
  exp: sig([V], V),
  sqrt: sig([V], V),
  ln: sig([V], V),
  log2: sig([V], V),
  log10: sig([V], V),
  sgn: sig([V], V),
  round: sig([V, S], V, 1),
  clamp: sig([V, S, S], V),
  clamp_min: sig([V, S], V),
  clamp_max: sig([V, S], V),
  acos: sig([V], V),
  acosh: sig([V], V),
  asin: sig([V], V),
  asinh: sig([V], V),
  atan: sig([V], V),
  atanh: sig([V], V),
  cos: sig([V], V),
  cosh: sig([V], V),
  sin: sig([V], V),
  sinh: sig([V], V),
  tan: sig([V], V),
  tanh: sig([V], V),
  deg: sig([V], V),
  rad: sig([V], V),
  timestamp: sig([V], V),
  day_of_month: sig([V], V, 1),
  day_of_week: sig([V], V, 1),
  day_of_year: sig([V], V, 1),
  days_in_month: sig([V], V, 1),
  hour: sig([V], V, 1),
  minute: sig([V], V, 1),
  month: sig([V], V, 1),
  year: sig([V], V, 1),
  // Whole-vector functions.
  absent: sig([V], V),
  label_replace: sig([V, STR, STR, STR, STR], V),
  label_join: sig([V, STR, STR, STR], V, -1),
  sort: sig([V], V),
  sort_desc: sig([V], V),
  sort_by_label: sig([V, STR], V, -1),
  sort_by_label_desc: sig([V, STR], V, -1),
  histogram_quantile: sig([S, V], V),
  vector: sig([S], V),
  scalar: sig([V], S),
  // Scalars.
  time: sig([], S),
  pi: sig([], S),
  start: sig([], S),
  end: sig([], S),
  step: sig([], S),
  range: sig([], S),
  min_of: sig([S, S], S),
  max_of: sig([S, S], S),
};

export interface Call {
  type: 'call';
  func: string;
  args: Expr[];
  pos: number;
}

export const AGGREGATIONS = [
  'sum',
  'avg',
  'min',
  'max',
  'count',
  'group',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'limitk',
  'limit_ratio',
] as const;
export type AggregationOp = (typeof AGGREGATIONS)[number];
/** Aggregations whose first argument is a parameter (k, φ, the label name, the ratio). */
export const PARAMETER_AGGREGATIONS: readonly string[] = [
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'limitk',
  'limit_ratio',
];

export interface Aggregate {
  type: 'aggregate';
  op: AggregationOp;
  expr: Expr;
  param?: Expr;
  grouping: string[];
  without: boolean;
  pos: number;
}

export const ARITHMETIC = ['+', '-', '*', '/', '%', '^', 'atan2'] as const;
export const COMPARISONS = ['==', '!=', '<', '>', '<=', '>='] as const;
export const SET_OPERATORS = ['and', 'or', 'unless'] as const;
export type ArithmeticOp = (typeof ARITHMETIC)[number];
export type ComparisonOp = (typeof COMPARISONS)[number];
export type SetOp = (typeof SET_OPERATORS)[number];
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp;

/**
 * Vector matching (Prometheus parser.VectorMatching): on(...) keeps, ignoring(...) drops the listed
 * labels (default: all but __name__) to form the match key; card is one-to-one unless group_left
 * (many-to-one) or group_right (one-to-many), whose include labels are copied from the "one" side;
 * set operators match many-to-many.
 */
export interface VectorMatching {
  card: 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';
  on: boolean;
  labels: string[];
  include: string[];
}

export interface Binary {
  type: 'binary';
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  matching: VectorMatching;
  /** The `bool` modifier of a comparison: 0/1 instead of filtering. */
  returnBool: boolean;
  pos: number;
}

export interface Unary {
  type: 'unary';
  op: '-' | '+';
  expr: Expr;
  pos: number;
}

/** The PromQL type of an expression (parser.Expr.Type() in Prometheus). */
export function typeOf(e: Expr): ValueType {
  switch (e.type) {
    case 'number':
      return 'scalar';
    case 'string':
      return 'string';
    case 'matrix':
    case 'subquery':
      return 'matrix';
    case 'binary':
      return typeOf(e.lhs) === 'scalar' && typeOf(e.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'unary':
      return typeOf(e.expr);
    case 'call':
      return FUNCTIONS[e.func]!.returns;
    default:
      return 'vector';
  }
}
