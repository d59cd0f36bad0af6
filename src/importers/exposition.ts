import * as msg from '../base/messages.js';
import { secondsTextToMs } from '../base/time.js';

/**
 * One sample line of the Prometheus text formats, shared by prom-text (exposition 0.0.4 and
 * OpenMetrics) and promtool-dump: `name{label="value",...} value [timestamp] [# exemplar]`, or
 * the dump's `{__name__="name", label="value"} value timestamp`.
 */
export interface ExpositionSample {
  /** The metric name (from before the braces or from `__name__`). */
  name: string;
  /** Labels without `__name__`. */
  labels: Record<string, string>;
  value: number;
  /** The timestamp text as written, or undefined when the line has none. */
  timestamp?: string;
}

/** A syntax problem at a column (1-based) of the line. */
export class LineSyntaxError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
  }
}

const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;
const LABEL_START = /[a-zA-Z_]/;
const LABEL_CHAR = /[a-zA-Z0-9_]/;

/**
 * Parses a sample line; throws LineSyntaxError with the column of the problem. `goQuoted`: label
 * values are Go strconv.Quote strings (promtool's dumps), with `\t`, `\xHH`, `\uHHHH`, ... escapes.
 */
export function parseSampleLine(text: string, goQuoted = false): ExpositionSample {
  let i = 0;
  const n = text.length;
  const skipSpace = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  const fail = (expected: string): never => {
    const found = i < n ? `"${text[i]}"` : 'end of line';
    throw new LineSyntaxError(msg.textUnexpected(found, expected), i + 1);
  };

  let name = '';
  if (i < n && NAME_START.test(text[i]!)) {
    const start = i;
    while (i < n && NAME_CHAR.test(text[i]!)) i++;
    name = text.slice(start, i);
  }
  const labels: Record<string, string> = {};
  let sawName = name !== '';
  if (text[i] === '{') {
    i++;
    skipSpace();
    while (text[i] !== '}') {
      let labelName: string;
      if (text[i] === '"') {
        // Quoted label names (Prometheus 3 UTF-8 names, also `{"metric.name"}`).
        labelName = readQuoted();
        skipSpace();
        if (text[i] !== '=') {
          if (sawName) fail('"="');
          name = labelName;
          sawName = true;
          skipSpace();
          if (text[i] === ',') {
            i++;
            skipSpace();
          } else if (text[i] !== '}') fail('"," or "}"');
          continue;
        }
      } else {
        if (i >= n || !LABEL_START.test(text[i]!)) fail('a label name or "}"');
        const start = i;
        while (i < n && LABEL_CHAR.test(text[i]!)) i++;
        labelName = text.slice(start, i);
        skipSpace();
      }
      if (text[i] !== '=') fail('"="');
      i++;
      skipSpace();
      if (text[i] !== '"') fail('a quoted label value');
      const value = readQuoted();
      if (labelName === '__name__') {
        if (sawName) throw new LineSyntaxError(msg.textDuplicateName(), i);
        name = value;
        sawName = true;
      } else {
        if (labelName in labels) throw new LineSyntaxError(msg.textDuplicateLabel(labelName), i);
        labels[labelName] = value;
      }
      skipSpace();
      if (text[i] === ',') {
        i++;
        skipSpace();
      } else if (text[i] !== '}') fail('"," or "}"');
    }
    i++;
  }
  if (!sawName) {
    i = 0;
    fail('a metric name');
  }
  if (text[i] !== ' ' && text[i] !== '\t') fail('a space before the value');
  skipSpace();
  const valueStart = i;
  while (i < n && text[i] !== ' ' && text[i] !== '\t') i++;
  const valueText = text.slice(valueStart, i);
  const value = parseGoFloat(valueText);
  if (value === undefined) throw new LineSyntaxError(msg.textBadValue(valueText), valueStart + 1);
  skipSpace();
  let timestamp: string | undefined;
  if (i < n && text[i] !== '#') {
    const tsStart = i;
    while (i < n && text[i] !== ' ' && text[i] !== '\t') i++;
    timestamp = text.slice(tsStart, i);
    if (!/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(timestamp))
      throw new LineSyntaxError(msg.textBadTimestamp(timestamp), tsStart + 1);
    skipSpace();
  }
  // Anything after `#` is an OpenMetrics exemplar: not a sample of this series.
  if (i < n && text[i] !== '#') fail('end of line or "# exemplar"');
  return { name, labels, value, timestamp };

  function readQuoted(): string {
    const open = i;
    i++;
    let out = '';
    while (i < n && text[i] !== '"') {
      if (text[i] === '\\' && i + 1 < n && goQuoted) {
        const m = GO_ESCAPE.exec(text.slice(i, i + 10));
        if (!m) throw new LineSyntaxError(msg.textBadEscape(), i + 1);
        out += goUnescape(m[0]);
        i += m[0].length;
      } else if (text[i] === '\\' && i + 1 < n) {
        const next = text[i + 1]!;
        // Exposition escapes: \\, \" and \n; any other backslash stays as written (Prometheus' lenient reading).
        out += next === 'n' ? '\n' : next === '\\' || next === '"' ? next : `\\${next}`;
        i += 2;
      } else out += text[i++];
    }
    if (i >= n) {
      i = open;
      throw new LineSyntaxError(msg.textUnterminated(), open + 1);
    }
    i++;
    return out;
  }
}

/** Go's strconv.ParseFloat as Prometheus uses it for sample values: decimals, `NaN`, `±Inf` in any case. */
export function parseGoFloat(text: string): number | undefined {
  const lower = text.toLowerCase();
  if (lower === 'nan') return NaN;
  if (lower === '+inf' || lower === 'inf' || lower === '+infinity' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** A sample timestamp to unix ms: exposition 0.0.4 and promtool dumps write integer ms, OpenMetrics float seconds. */
export function timestampMs(text: string, openMetrics: boolean): number | undefined {
  if (openMetrics) return secondsTextToMs(text);
  if (!/^-?\d+$/.test(text)) return undefined;
  const ms = Number(text);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

const GO_ESCAPE = /^\\([abfnrtv\\"'/]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3})/;
const GO_SIMPLE: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** One Go escape sequence (strconv.Unquote's set) to its character. */
function goUnescape(seq: string): string {
  const c = seq[1]!;
  if (c in GO_SIMPLE) return GO_SIMPLE[c]!;
  if (c === 'x') return String.fromCharCode(parseInt(seq.slice(2), 16));
  if (c === 'u' || c === 'U') return String.fromCodePoint(parseInt(seq.slice(2), 16));
  if (/[0-7]/.test(c)) return String.fromCharCode(parseInt(seq.slice(1), 8));
  return c;
}
