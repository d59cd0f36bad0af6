import * as msg from '../base/messages.js';
import { parseDurationMs, secondsTextToMs } from '../base/time.js';
import {
  AGGREGATIONS,
  ARITHMETIC,
  RANGE_FUNCTIONS,
  typeOf,
  type AggregationOp,
  type ArithmeticOp,
  type Expr,
  type LabelMatcher,
  type MatchOp,
  type RangeFunction,
  type VectorMatching,
  type VectorSelector,
} from './ast.js';
import { PromqlSyntaxError, PromqlUnsupportedError } from './errors.js';
import { tokenize, type Token } from './lexer.js';

/** Every aggregation keyword of PromQL; the ones outside AGGREGATIONS are refused as unsupported. */
const ALL_AGGREGATIONS = [
  ...AGGREGATIONS,
  'group',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'count_values',
  'quantile',
  'limitk',
  'limit_ratio',
];
const COMPARISONS = ['==', '!=', '<', '>', '<=', '>='];
const SET_OPERATORS = ['and', 'or', 'unless'];

/** Binding power of binary operators (Prometheus promql/parser/lex.go ItemType.Precedence). */
function precedence(op: string): number {
  if (op === 'or') return 1;
  if (op === 'and' || op === 'unless') return 2;
  if (COMPARISONS.includes(op)) return 3;
  if (op === '+' || op === '-') return 4;
  if (op === '*' || op === '/' || op === '%' || op === 'atan2') return 5;
  if (op === '^') return 6;
  return 0;
}

/** Parses a PromQL expression of the supported subset; anything else is a typed error with its position. */
export function parsePromql(query: string): Expr {
  return new Parser(query).parseQuery();
}

class Parser {
  private readonly tokens: Token[];
  private i = 0;

  constructor(private readonly query: string) {
    this.tokens = tokenize(query);
  }

  parseQuery(): Expr {
    const expr = this.parseExpr(0);
    const t = this.peek();
    if (t.kind !== 'eof')
      throw this.syntax(t, msg.promqlUnexpected(t.text, 'end of expression or an operator'));
    return expr;
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.i + ahead, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private isOp(text: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'op' && t.text === text;
  }

  private expectOp(text: string, expected = JSON.stringify(text)): Token {
    const t = this.next();
    if (t.kind !== 'op' || t.text !== text) throw this.syntax(t, msg.promqlUnexpected(t.text, expected));
    return t;
  }

  private syntax(t: Token | number, detail: string): PromqlSyntaxError {
    return new PromqlSyntaxError(this.query, typeof t === 'number' ? t : t.pos, detail);
  }

  private unsupported(t: Token | number, construct: string): PromqlUnsupportedError {
    return new PromqlUnsupportedError(this.query, typeof t === 'number' ? t : t.pos, construct);
  }

  /** The binary operator at the cursor, if any (arithmetic, comparison, set operators, atan2). */
  private binaryOperator(): string | undefined {
    const t = this.peek();
    if (t.kind === 'op' && precedence(t.text) > 0) return t.text;
    if (
      t.kind === 'ident' &&
      (SET_OPERATORS.includes(t.text.toLowerCase()) || t.text.toLowerCase() === 'atan2')
    )
      return t.text.toLowerCase();
    return undefined;
  }

  private parseExpr(minPrecedence: number): Expr {
    let lhs = this.parseUnary();
    for (;;) {
      const op = this.binaryOperator();
      if (op === undefined) return lhs;
      const prec = precedence(op);
      if (prec < minPrecedence) return lhs;
      const opToken = this.next();
      if (COMPARISONS.includes(op)) throw this.unsupported(opToken, `comparison operator ${op}`);
      if (SET_OPERATORS.includes(op)) throw this.unsupported(opToken, `set operator ${op}`);
      if (op === 'atan2') throw this.unsupported(opToken, 'operator atan2');
      const matching = this.parseMatching();
      // ^ is right-associative, every other operator left-associative.
      const rhs = this.parseExpr(op === '^' ? prec : prec + 1);
      lhs = this.binary(op as ArithmeticOp, lhs, rhs, matching, opToken);
    }
  }

  private parseMatching(): VectorMatching & { explicit: boolean } {
    const t = this.peek();
    if (t.kind !== 'ident') return { on: false, labels: [], explicit: false };
    const word = t.text.toLowerCase();
    if (word === 'bool') throw this.unsupported(t, 'bool modifier');
    if (word !== 'on' && word !== 'ignoring') return { on: false, labels: [], explicit: false };
    this.next();
    const labels = this.parseLabelList();
    const g = this.peek();
    if (g.kind === 'ident' && /^group_(left|right)$/i.test(g.text))
      throw this.unsupported(g, `${g.text.toLowerCase()} (many-to-one matching)`);
    return { on: word === 'on', labels, explicit: true };
  }

  private binary(
    op: ArithmeticOp,
    lhs: Expr,
    rhs: Expr,
    matching: VectorMatching & { explicit: boolean },
    opToken: Token,
  ): Expr {
    const lt = typeOf(lhs);
    const rt = typeOf(rhs);
    if (lt === 'matrix' || rt === 'matrix') throw this.syntax(opToken, msg.promqlBinaryType());
    if (matching.explicit && (lt === 'scalar' || rt === 'scalar'))
      throw this.syntax(opToken, msg.promqlMatchingScalar());
    if (!ARITHMETIC.includes(op)) throw this.unsupported(opToken, `operator ${op}`);
    return {
      type: 'binary',
      op,
      lhs,
      rhs,
      matching: { on: matching.on, labels: matching.labels },
      pos: opToken.pos,
    };
  }

  private parseUnary(): Expr {
    const t = this.peek();
    if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
      this.next();
      // Unary minus binds weaker than ^ (-2^2 is -4), stronger than * and /.
      const expr = this.parseExpr(precedence('^'));
      const type = typeOf(expr);
      if (type !== 'scalar' && type !== 'vector') throw this.syntax(t, msg.promqlUnaryType());
      if (expr.type === 'number')
        return { ...expr, value: t.text === '-' ? -expr.value : expr.value, pos: t.pos };
      return { type: 'unary', op: t.text, expr, pos: t.pos };
    }
    return this.parsePostfix(this.parsePrimary());
  }

  /** Range `[5m]`, subquery `[5m:1m]`, `offset` and `@` after a primary expression. */
  private parsePostfix(expr: Expr): Expr {
    for (;;) {
      const t = this.peek();
      if (this.isOp('[')) {
        this.next();
        const range = this.parseDuration();
        if (this.isOp(':')) throw this.unsupported(t, 'subquery');
        this.expectOp(']');
        if (expr.type !== 'vector') throw this.syntax(t, msg.promqlRangeTarget());
        expr = { type: 'matrix', vector: expr, rangeMs: range, pos: expr.pos };
        continue;
      }
      if (t.kind === 'ident' && t.text.toLowerCase() === 'offset') {
        this.next();
        let sign = 1;
        if (this.isOp('-')) {
          this.next();
          sign = -1;
        }
        const offset = sign * this.parseDuration();
        if (expr.type === 'vector') expr = { ...expr, offsetMs: expr.offsetMs + offset };
        else if (expr.type === 'matrix')
          expr = { ...expr, vector: { ...expr.vector, offsetMs: expr.vector.offsetMs + offset } };
        else throw this.syntax(t, msg.promqlOffsetTarget());
        continue;
      }
      if (this.isOp('@')) throw this.unsupported(t, '@ modifier');
      return expr;
    }
  }

  private parseDuration(): number {
    const t = this.next();
    if (t.kind === 'duration') {
      const ms = parseDurationMs(t.text);
      if (ms !== undefined) return ms;
    }
    if (t.kind === 'number') {
      // Prometheus 3 accepts a plain number of seconds as a duration.
      const ms = secondsTextToMs(t.text);
      if (ms !== undefined) return ms;
    }
    if (t.kind === 'op' && t.text === '(') throw this.unsupported(t, 'duration expression');
    throw this.syntax(
      t,
      t.kind === 'eof' ? msg.promqlUnexpected('', 'a duration') : msg.promqlBadDuration(t.text),
    );
  }

  private parsePrimary(): Expr {
    const t = this.peek();
    if (t.kind === 'number') {
      this.next();
      return {
        type: 'number',
        value: parseNumber(t.text, () => this.syntax(t, msg.promqlBadNumber(t.text))),
        pos: t.pos,
      };
    }
    if (t.kind === 'duration') throw this.unsupported(t, 'duration literal as a number');
    if (t.kind === 'string') throw this.unsupported(t, 'string literal');
    if (this.isOp('(')) {
      this.next();
      const inner = this.parseExpr(0);
      this.expectOp(')');
      return inner;
    }
    if (this.isOp('{')) return this.parseSelector(undefined, t);
    if (t.kind === 'ident') {
      const lower = t.text.toLowerCase();
      if (lower === 'inf' || lower === 'nan') {
        this.next();
        return { type: 'number', value: lower === 'inf' ? Infinity : NaN, pos: t.pos };
      }
      const isAggregation = ALL_AGGREGATIONS.includes(lower);
      const after = this.peek(1);
      const byWithout = after.kind === 'ident' && /^(by|without)$/i.test(after.text);
      if (isAggregation && (this.isOp('(', 1) || byWithout)) return this.parseAggregate();
      if (this.isOp('(', 1)) return this.parseCall();
      this.next();
      return this.parseSelector(t.text, t);
    }
    throw this.syntax(t, msg.promqlUnexpected(t.text, 'an expression'));
  }

  private parseAggregate(): Expr {
    const t = this.next();
    const op = t.text.toLowerCase();
    if (!(AGGREGATIONS as readonly string[]).includes(op)) throw this.unsupported(t, `aggregation ${op}`);
    let grouping: string[] = [];
    let without = false;
    let hasGrouping = false;
    const readGrouping = () => {
      const g = this.next();
      without = g.text.toLowerCase() === 'without';
      grouping = this.parseLabelList();
      hasGrouping = true;
    };
    if (this.peek().kind === 'ident') readGrouping();
    const open = this.expectOp('(');
    const expr = this.parseExpr(0);
    if (this.isOp(',')) throw this.unsupported(open, `parameter of aggregation ${op}`);
    this.expectOp(')');
    const after = this.peek();
    if (!hasGrouping && after.kind === 'ident' && /^(by|without)$/i.test(after.text)) readGrouping();
    const type = typeOf(expr);
    if (type !== 'vector') throw this.syntax(open, msg.promqlAggType(typeName(type)));
    return { type: 'aggregate', op: op as AggregationOp, expr, grouping, without, pos: t.pos };
  }

  private parseLabelList(): string[] {
    this.expectOp('(', '"(" and a list of label names');
    const labels: string[] = [];
    while (!this.isOp(')')) {
      const l = this.next();
      if (l.kind === 'string') labels.push(l.value!);
      else if (l.kind === 'ident') labels.push(l.text);
      else throw this.syntax(l, msg.promqlUnexpected(l.text, 'a label name'));
      if (!this.isOp(',')) break;
      this.next();
    }
    this.expectOp(')', '")" or ","');
    return labels;
  }

  private parseCall(): Expr {
    const t = this.next();
    const name = t.text;
    if (!(RANGE_FUNCTIONS as readonly string[]).includes(name)) throw this.unsupported(t, `function ${name}`);
    this.expectOp('(');
    const args: Expr[] = [];
    while (!this.isOp(')')) {
      args.push(this.parseExpr(0));
      if (!this.isOp(',')) break;
      this.next();
    }
    this.expectOp(')', '")" or ","');
    if (args.length !== 1) throw this.syntax(t, msg.promqlArgCount(name, 1, args.length));
    const arg = args[0]!;
    if (arg.type !== 'matrix')
      throw this.syntax(t, msg.promqlArgType(name, 'range vector', typeName(typeOf(arg))));
    return { type: 'call', func: name as RangeFunction, arg, pos: t.pos };
  }

  private parseSelector(name: string | undefined, start: Token): VectorSelector {
    const matchers: LabelMatcher[] = [];
    if (name !== undefined) matchers.push({ name: '__name__', op: '=', value: name });
    if (this.isOp('{')) {
      this.next();
      while (!this.isOp('}')) {
        const l = this.next();
        if (l.kind === 'string') throw this.unsupported(l, 'quoted label name');
        if (l.kind !== 'ident') throw this.syntax(l, msg.promqlUnexpected(l.text, 'a label name'));
        const opToken = this.next();
        if (opToken.kind !== 'op' || !['=', '!=', '=~', '!~'].includes(opToken.text))
          throw this.syntax(
            opToken,
            msg.promqlUnexpected(opToken.text, 'a label matching operator (=, !=, =~, !~)'),
          );
        const v = this.next();
        if (v.kind !== 'string') throw this.syntax(v, msg.promqlUnexpected(v.text, 'a quoted label value'));
        if (l.text === '__name__' && name !== undefined && opToken.text === '=')
          throw this.syntax(l, msg.promqlTwoNames());
        matchers.push({ name: l.text, op: opToken.text as MatchOp, value: v.value! });
        if (!this.isOp(',')) break;
        this.next();
      }
      this.expectOp('}', '"}" or ","');
    }
    // Prometheus refuses selectors that would match every series (parser.go checkAST).
    const nonEmpty = matchers.some((m) => !matchesEmpty(m));
    if (!nonEmpty) throw this.syntax(start, msg.promqlEmptySelector());
    return { type: 'vector', matchers, offsetMs: 0, pos: start.pos };
  }
}

/** Does the matcher accept the empty string (i.e. a series without the label)? */
function matchesEmpty(m: LabelMatcher): boolean {
  switch (m.op) {
    case '=':
      return m.value === '';
    case '!=':
      return m.value !== '';
    case '=~':
      return safeRegex(m.value)?.test('') ?? false;
    case '!~':
      return !(safeRegex(m.value)?.test('') ?? true);
  }
}

function safeRegex(re: string): RegExp | undefined {
  try {
    return new RegExp(`^(?:${re})$`, 's');
  } catch {
    return undefined;
  }
}

function parseNumber(text: string, fail: () => Error): number {
  if (/^0[xX]/.test(text)) return parseInt(text.slice(2), 16);
  const v = Number(text);
  if (Number.isNaN(v)) throw fail();
  return v;
}

function typeName(t: string): string {
  return t === 'matrix' ? 'range vector' : t === 'vector' ? 'instant vector' : t;
}
