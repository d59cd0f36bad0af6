import * as msg from '../base/messages.js';
import { parseDurationMs, secondsTextToMs } from '../base/time.js';
import {
  AGGREGATIONS,
  COMPARISONS,
  FUNCTIONS,
  PARAMETER_AGGREGATIONS,
  SET_OPERATORS,
  typeOf,
  type AggregationOp,
  type AtModifier,
  type BinaryOp,
  type Expr,
  type LabelMatcher,
  type MatchOp,
  type ValueType,
  type VectorMatching,
  type VectorSelector,
} from './ast.js';
import { PromqlSyntaxError, PromqlUnsupportedError } from './errors.js';
import { tokenize, type Token } from './lexer.js';

/**
 * Functions of Prometheus' list (promql/parser/functions.go) that the planner does not compile:
 * they read native histograms only, or need what an export lacks. Refused as unsupported, never
 * as a syntax error.
 */
const UNSUPPORTED_FUNCTIONS = [
  'histogram_avg',
  'histogram_count',
  'histogram_sum',
  'histogram_stddev',
  'histogram_stdvar',
  'histogram_fraction',
  'histogram_quantiles',
  'info',
  'integral',
];

/** Binding power of binary operators (Prometheus promql/parser/lex.go ItemType.Precedence). */
function precedence(op: string): number {
  if (op === 'or') return 1;
  if (op === 'and' || op === 'unless') return 2;
  if ((COMPARISONS as readonly string[]).includes(op)) return 3;
  if (op === '+' || op === '-') return 4;
  if (op === '*' || op === '/' || op === '%' || op === 'atan2') return 5;
  if (op === '^') return 6;
  return 0;
}

const isComparison = (op: string) => (COMPARISONS as readonly string[]).includes(op);
const isSetOperator = (op: string) => (SET_OPERATORS as readonly string[]).includes(op);

/** Parses a PromQL expression; anything invalid or unsupported is a typed error with its position. */
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
    if (expr.type === 'string') throw this.unsupported(expr.pos, 'string literal as the result');
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

  private isWord(word: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'ident' && t.text.toLowerCase() === word;
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
    if (t.kind === 'ident' && (isSetOperator(t.text.toLowerCase()) || t.text.toLowerCase() === 'atan2'))
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
      const { returnBool, matching, explicit } = this.parseModifiers(op);
      // ^ is right-associative, every other operator left-associative.
      const rhs = this.parseExpr(op === '^' ? prec : prec + 1);
      lhs = this.binary(op as BinaryOp, lhs, rhs, matching, explicit, returnBool, opToken);
    }
  }

  /** `bool`, `on(…)`/`ignoring(…)` and `group_left(…)`/`group_right(…)` after an operator. */
  private parseModifiers(op: string): { returnBool: boolean; matching: VectorMatching; explicit: boolean } {
    let returnBool = false;
    const matching: VectorMatching = {
      card: isSetOperator(op) ? 'many-to-many' : 'one-to-one',
      on: false,
      labels: [],
      include: [],
    };
    if (this.isWord('bool')) {
      const t = this.next();
      if (!isComparison(op)) throw this.syntax(t, msg.promqlBoolNotComparison());
      returnBool = true;
    }
    if (!this.isWord('on') && !this.isWord('ignoring')) {
      this.refuseFill();
      return { returnBool, matching, explicit: false };
    }
    matching.on = this.next().text.toLowerCase() === 'on';
    matching.labels = this.parseLabelList();
    if (this.isWord('group_left') || this.isWord('group_right')) {
      const g = this.next();
      if (isSetOperator(op)) throw this.syntax(g, msg.promqlSetOperatorGrouping(op));
      matching.card = g.text.toLowerCase() === 'group_left' ? 'many-to-one' : 'one-to-many';
      if (this.isOp('(')) matching.include = this.parseLabelList();
      if (matching.on)
        for (const l of matching.include)
          if (matching.labels.includes(l)) throw this.syntax(g, msg.promqlLabelBothSides(l));
    }
    this.refuseFill();
    return { returnBool, matching, explicit: true };
  }

  /**
   * Prometheus' newest fill(v) / fill_left(v) / fill_right(v) modifiers (`a + fill(0) b`; a
   * metric named fill is read as one when no parenthesis follows) are refused as unsupported.
   */
  private refuseFill(): void {
    const t = this.peek();
    if (t.kind === 'ident' && /^fill(_left|_right)?$/i.test(t.text) && this.isOp('(', 1))
      throw this.unsupported(t, `${t.text.toLowerCase()} modifier`);
  }

  private binary(
    op: BinaryOp,
    lhs: Expr,
    rhs: Expr,
    matching: VectorMatching,
    explicit: boolean,
    returnBool: boolean,
    opToken: Token,
  ): Expr {
    const lt = typeOf(lhs);
    const rt = typeOf(rhs);
    // parser.go checkAST for *BinaryExpr.
    if ((lt !== 'scalar' && lt !== 'vector') || (rt !== 'scalar' && rt !== 'vector'))
      throw this.syntax(opToken, msg.promqlBinaryType());
    if (lt === 'scalar' && rt === 'scalar' && isComparison(op) && !returnBool)
      throw this.syntax(opToken, msg.promqlScalarComparison());
    if (isSetOperator(op) && (lt === 'scalar' || rt === 'scalar'))
      throw this.syntax(opToken, msg.promqlSetOperatorScalar(op));
    if (explicit && (lt === 'scalar' || rt === 'scalar'))
      throw this.syntax(opToken, msg.promqlMatchingScalar());
    return { type: 'binary', op, lhs, rhs, matching, returnBool, pos: opToken.pos };
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
  private parsePostfix(start: Expr): Expr {
    let expr = start;
    let offsetSet = false;
    let atSet = false;
    for (;;) {
      const t = this.peek();
      if (this.isOp('[')) {
        this.next();
        const range = this.parseDuration();
        if (this.isOp(':')) {
          this.next();
          const step = this.isOp(']') ? 0 : this.parseDuration();
          this.expectOp(']');
          const type = typeOf(expr);
          if (type !== 'vector' && type !== 'scalar')
            throw this.syntax(t, msg.promqlUnexpected('[', 'an instant vector or scalar before a subquery'));
          expr = { type: 'subquery', expr, rangeMs: range, stepMs: step, offsetMs: 0, pos: expr.pos };
          offsetSet = atSet = false;
          continue;
        }
        this.expectOp(']', '"]" or ":"');
        if (expr.type !== 'vector' || offsetSet || atSet) throw this.syntax(t, msg.promqlRangeTarget());
        expr = { type: 'matrix', vector: expr, rangeMs: range, pos: expr.pos };
        if (this.isWord('anchored') || this.isWord('smoothed'))
          throw this.unsupported(this.peek(), `${this.peek().text.toLowerCase()} range selector`);
        continue;
      }
      if (this.isWord('offset')) {
        this.next();
        let sign = 1;
        if (this.isOp('-')) {
          this.next();
          sign = -1;
        }
        const offset = sign * this.parseDuration(false);
        if (offsetSet) throw this.syntax(t, msg.promqlModifierTwice('offset'));
        offsetSet = true;
        if (expr.type === 'vector') expr = { ...expr, offsetMs: offset };
        else if (expr.type === 'matrix') expr = { ...expr, vector: { ...expr.vector, offsetMs: offset } };
        else if (expr.type === 'subquery') expr = { ...expr, offsetMs: offset };
        else throw this.syntax(t, msg.promqlOffsetTarget());
        continue;
      }
      if (this.isOp('@')) {
        this.next();
        const at = this.parseAt();
        if (atSet) throw this.syntax(t, msg.promqlModifierTwice('@ <timestamp>'));
        atSet = true;
        if (expr.type === 'vector') expr = { ...expr, at };
        else if (expr.type === 'matrix') expr = { ...expr, vector: { ...expr.vector, at } };
        else if (expr.type === 'subquery') expr = { ...expr, at };
        else throw this.syntax(t, msg.promqlAtTarget());
        continue;
      }
      return expr;
    }
  }

  /** The time after `@`: unix seconds (a number or a duration), or start() / end(). */
  private parseAt(): AtModifier {
    const t = this.next();
    const word = t.text.toLowerCase();
    if (t.kind === 'ident' && (word === 'start' || word === 'end') && this.isOp('(')) {
      this.next();
      this.expectOp(')');
      return word;
    }
    let sign = 1;
    let v = t;
    if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
      sign = t.text === '-' ? -1 : 1;
      v = this.next();
    }
    const ms =
      v.kind === 'number'
        ? secondsTextToMs(v.text)
        : v.kind === 'duration'
          ? parseDurationMs(v.text)
          : undefined;
    if (ms === undefined) throw this.syntax(v, msg.promqlAtTime(v.text));
    return sign * ms;
  }

  /**
   * A duration: a literal (`5m`, `1h30m`, plain seconds), or Prometheus 3's duration arithmetic on
   * literals (`2m*15`, `(1h - 5m)`), folded here. step() and range() inside a duration depend on
   * the query and are refused as unsupported.
   */
  private parseDuration(inBrackets = true): number {
    const at = this.peek();
    // Inside [...] arithmetic needs no parentheses; after offset only a literal or (...) is read.
    const ms = inBrackets ? this.durationExpr(0) : this.durationTerm();
    if (!Number.isFinite(ms) || (inBrackets && ms <= 0)) throw this.syntax(at, msg.promqlNegativeDuration());
    return Math.round(ms);
  }

  private durationExpr(minPrecedence: number): number {
    let lhs = this.durationTerm();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op' || !['+', '-', '*', '/', '%', '^'].includes(t.text)) return lhs;
      const prec = precedence(t.text);
      if (prec < minPrecedence) return lhs;
      this.next();
      const rhs = this.durationExpr(t.text === '^' ? prec : prec + 1);
      // Durations are ms; a product or quotient of two durations keeps one factor in seconds.
      lhs = {
        '+': lhs + rhs,
        '-': lhs - rhs,
        '*': (lhs * rhs) / 1000,
        '/': (lhs / rhs) * 1000,
        '%': lhs % rhs,
        '^': Math.pow(lhs / 1000, rhs / 1000) * 1000,
      }[t.text]!;
    }
  }

  private durationTerm(): number {
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
    if (t.kind === 'op' && t.text === '(') {
      const v = this.durationExpr(0);
      this.expectOp(')');
      return v;
    }
    if (t.kind === 'op' && t.text === '-') return -this.durationTerm();
    if (t.kind === 'ident' && /^(step|range|min|max)$/i.test(t.text) && this.isOp('('))
      throw this.unsupported(t, `${t.text.toLowerCase()}() in a duration`);
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
    if (t.kind === 'duration') {
      // Prometheus 3 reads a duration literal as its number of seconds.
      this.next();
      return { type: 'number', value: parseDurationMs(t.text)! / 1000, pos: t.pos };
    }
    if (t.kind === 'string') {
      this.next();
      return { type: 'string', value: t.value!, pos: t.pos };
    }
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
      const isAggregation = (AGGREGATIONS as readonly string[]).includes(lower);
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
    const op = t.text.toLowerCase() as AggregationOp;
    // limit_ratio samples series by an xxhash of their label sets (engine.go), not reproduced here.
    if (op === 'limit_ratio') throw this.unsupported(t, 'aggregation limit_ratio');
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
    const args = this.parseArguments();
    if (!hasGrouping && this.peek().kind === 'ident' && /^(by|without)$/i.test(this.peek().text))
      readGrouping();
    const wanted = PARAMETER_AGGREGATIONS.includes(op) ? 2 : 1;
    if (args.length !== wanted) throw this.syntax(open, msg.promqlArgCount(op, wanted, args.length));
    const expr = args.at(-1)!;
    const param = wanted === 2 ? args[0] : undefined;
    const type = typeOf(expr);
    if (type !== 'vector') throw this.syntax(open, msg.promqlAggType(typeName(type)));
    if (param) {
      const expected: ValueType = op === 'count_values' ? 'string' : 'scalar';
      if (typeOf(param) !== expected)
        throw this.syntax(open, msg.promqlAggParamType(op, typeName(expected), typeName(typeOf(param))));
    }
    return { type: 'aggregate', op, expr, param, grouping, without, pos: t.pos };
  }

  /** The arguments of a call or an aggregation, after its "(": expressions separated by commas, to ")". */
  private parseArguments(): Expr[] {
    const args: Expr[] = [];
    while (!this.isOp(')')) {
      args.push(this.parseExpr(0));
      if (!this.isOp(',')) break;
      this.next();
    }
    this.expectOp(')', '")" or ","');
    return args;
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
    const signature = FUNCTIONS[name];
    if (!signature) {
      if (UNSUPPORTED_FUNCTIONS.includes(name)) throw this.unsupported(t, `function ${name}`);
      throw this.syntax(t, msg.promqlUnknownFunction(name));
    }
    this.expectOp('(');
    const args = this.parseArguments();
    // parser.go checkAST for *Call: the argument count and each argument's type.
    const n = signature.args.length;
    if (signature.variadic === 0 && args.length !== n)
      throw this.syntax(t, msg.promqlArgCount(name, n, args.length));
    if (signature.variadic > 0 && (args.length < n - signature.variadic || args.length > n))
      throw this.syntax(t, msg.promqlArgCountRange(name, n - signature.variadic, n, args.length));
    if (signature.variadic < 0 && args.length < n - 1)
      throw this.syntax(t, msg.promqlArgCountMin(name, n - 1, args.length));
    args.forEach((a, k) => {
      const expected = signature.args[Math.min(k, n - 1)]!;
      const got = typeOf(a);
      if (got !== expected) throw this.syntax(t, msg.promqlArgType(name, typeName(expected), typeName(got)));
    });
    if (name === 'label_replace' || name === 'label_join') {
      const dst = (args[1] as { value: string }).value;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(dst) && dst !== '')
        throw this.syntax(t, msg.promqlBadLabelName(dst));
    }
    return { type: 'call', func: name, args, pos: t.pos };
  }

  private parseSelector(name: string | undefined, start: Token): VectorSelector {
    const matchers: LabelMatcher[] = [];
    if (name !== undefined) matchers.push({ name: '__name__', op: '=', value: name });
    if (this.isOp('{')) {
      this.next();
      while (!this.isOp('}')) {
        const l = this.next();
        if (l.kind !== 'ident' && l.kind !== 'string')
          throw this.syntax(l, msg.promqlUnexpected(l.text, 'a label name'));
        const label = l.kind === 'string' ? l.value! : l.text;
        // Prometheus 3: a quoted name alone is the metric name ({"my.metric"}).
        if (l.kind === 'string' && (this.isOp(',') || this.isOp('}'))) {
          if (name !== undefined) throw this.syntax(l, msg.promqlTwoNames());
          matchers.push({ name: '__name__', op: '=', value: label });
        } else {
          const opToken = this.next();
          if (opToken.kind !== 'op' || !['=', '!=', '=~', '!~'].includes(opToken.text))
            throw this.syntax(
              opToken,
              msg.promqlUnexpected(opToken.text, 'a label matching operator (=, !=, =~, !~)'),
            );
          const v = this.next();
          if (v.kind !== 'string') throw this.syntax(v, msg.promqlUnexpected(v.text, 'a quoted label value'));
          if (label === '__name__' && name !== undefined && opToken.text === '=')
            throw this.syntax(l, msg.promqlTwoNames());
          matchers.push({ name: label, op: opToken.text as MatchOp, value: v.value! });
        }
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
