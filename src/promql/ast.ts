/** The PromQL syntax tree for the supported subset (docs/promql.md). Positions are 0-based offsets into the query. */

export type Expr = NumberLiteral | VectorSelector | MatrixSelector | Call | Aggregate | Binary | Unary;

export interface NumberLiteral {
  type: 'number';
  value: number;
  pos: number;
}

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  name: string;
  op: MatchOp;
  value: string;
}

export interface VectorSelector {
  type: 'vector';
  /** Every matcher, the metric name included as `__name__ = name`. */
  matchers: LabelMatcher[];
  offsetMs: number;
  pos: number;
}

export interface MatrixSelector {
  type: 'matrix';
  vector: VectorSelector;
  rangeMs: number;
  pos: number;
}

/** The range functions of Prometheus' promql/functions.go that this subset compiles. */
export const RANGE_FUNCTIONS = ['rate', 'increase', 'irate', 'idelta', 'delta', 'resets', 'changes'] as const;
export type RangeFunction = (typeof RANGE_FUNCTIONS)[number];

export interface Call {
  type: 'call';
  func: RangeFunction;
  arg: MatrixSelector;
  pos: number;
}

export const AGGREGATIONS = ['sum', 'avg', 'min', 'max', 'count'] as const;
export type AggregationOp = (typeof AGGREGATIONS)[number];

export interface Aggregate {
  type: 'aggregate';
  op: AggregationOp;
  expr: Expr;
  grouping: string[];
  without: boolean;
  pos: number;
}

export const ARITHMETIC = ['+', '-', '*', '/', '%', '^'] as const;
export type ArithmeticOp = (typeof ARITHMETIC)[number];

/** One-to-one vector matching: on(...) keeps, ignoring(...) drops the listed labels (default: all but __name__). */
export interface VectorMatching {
  on: boolean;
  labels: string[];
}

export interface Binary {
  type: 'binary';
  op: ArithmeticOp;
  lhs: Expr;
  rhs: Expr;
  matching: VectorMatching;
  pos: number;
}

export interface Unary {
  type: 'unary';
  op: '-' | '+';
  expr: Expr;
  pos: number;
}

export type ValueType = 'scalar' | 'vector' | 'matrix';

/** The PromQL type of an expression (parser.Expr.Type() in Prometheus). */
export function typeOf(e: Expr): ValueType {
  switch (e.type) {
    case 'number':
      return 'scalar';
    case 'matrix':
      return 'matrix';
    case 'binary':
      return typeOf(e.lhs) === 'scalar' && typeOf(e.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'unary':
      return typeOf(e.expr);
    default:
      return 'vector';
  }
}
