import { PromqlSyntaxError } from './errors.js';
import * as msg from '../base/messages.js';

/** A PromQL token. `pos` is the 0-based offset of its first character in the query. */
export interface Token {
  kind: 'ident' | 'number' | 'duration' | 'string' | 'op' | 'eof';
  text: string;
  pos: number;
  /** Decoded value of a string token. */
  value?: string;
}

const OPERATORS = ['==', '!=', '=~', '!~', '<=', '>=', '<', '>', '=', '+', '-', '*', '/', '%', '^'];
const PUNCTUATION = '(){}[],@:';
const DURATION_RE = /^(\d+(ms|s|m|h|d|w|y))+(?![A-Za-z0-9_])/;
const NUMBER_RE = /^(0[xX][0-9a-fA-F]+|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)/;
const IDENT_RE = /^[A-Za-z_:][A-Za-z0-9_:]*/;

/** Splits a query into tokens (Prometheus promql/parser/lex.go). */
export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const ch = query[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '#') {
      while (i < query.length && query[i] !== '\n') i++;
      continue;
    }
    const rest = query.slice(i);
    const duration = DURATION_RE.exec(rest);
    if (duration) {
      tokens.push({ kind: 'duration', text: duration[0], pos: i });
      i += duration[0].length;
      continue;
    }
    const number = NUMBER_RE.exec(rest);
    if (number && /[0-9.]/.test(ch)) {
      tokens.push({ kind: 'number', text: number[0], pos: i });
      i += number[0].length;
      continue;
    }
    // In `[5m:1m]` (or `[100:1]`) the colon separates durations (a subquery); elsewhere it may
    // start a metric name.
    const afterDuration =
      ch === ':' && (tokens.at(-1)?.kind === 'duration' || tokens.at(-1)?.kind === 'number');
    const ident = afterDuration ? null : IDENT_RE.exec(rest);
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0], pos: i });
      i += ident[0].length;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') {
      const { value, end } = readString(query, i);
      tokens.push({ kind: 'string', text: query.slice(i, end), pos: i, value });
      i = end;
      continue;
    }
    const op = OPERATORS.find((o) => query.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', text: op, pos: i });
      i += op.length;
      continue;
    }
    if (PUNCTUATION.includes(ch)) {
      tokens.push({ kind: 'op', text: ch, pos: i });
      i++;
      continue;
    }
    throw new PromqlSyntaxError(query, i, msg.promqlUnexpectedChar(ch));
  }
  tokens.push({ kind: 'eof', text: '', pos: query.length });
  return tokens;
}

const ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

/** Reads a Go-style quoted string ("..." and '...' with escapes, `...` raw) starting at `start`. */
function readString(query: string, start: number): { value: string; end: number } {
  const quote = query[start]!;
  let i = start + 1;
  let value = '';
  while (i < query.length) {
    const ch = query[i]!;
    if (ch === quote) return { value, end: i + 1 };
    if (ch === '\n' && quote !== '`') break;
    if (ch === '\\' && quote !== '`') {
      const next = query[i + 1] ?? '';
      if (next in ESCAPES) {
        value += ESCAPES[next];
        i += 2;
        continue;
      }
      const hex = /^(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})/.exec(query.slice(i + 1));
      if (hex) {
        value += String.fromCodePoint(parseInt(hex[0].slice(1), 16));
        i += 1 + hex[0].length;
        continue;
      }
      const octal = /^[0-7]{3}/.exec(query.slice(i + 1));
      if (octal) {
        value += String.fromCharCode(parseInt(octal[0], 8));
        i += 4;
        continue;
      }
      throw new PromqlSyntaxError(query, i, msg.promqlBadEscape(next));
    }
    value += ch;
    i++;
  }
  throw new PromqlSyntaxError(query, start, msg.promqlUnterminatedString());
}
