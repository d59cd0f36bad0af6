/**
 * A reader for Prometheus' PromQL test scripting language (promql/promqltest, described in
 * test/fixtures/conformance/prometheus-3.14/SCRIPTING-LANGUAGE.md), written for the conformance
 * runner: `load`, `clear`, `eval instant|range` (and the older `eval_fail`/`eval_ordered`), the
 * expanding value notation (`0+10x10`, `1-1x4`, `_`, `_x3`, `stale`), expected series and scalars.
 */

import { parseDurationMs, secondsTextToMs } from '../../src/base/time.js';

export interface SeriesValues {
  metric: string;
  labels: Record<string, string>;
  /** One entry per step; undefined = omitted (`_`), 'stale' = a staleness marker. */
  values: (number | 'stale' | undefined)[];
  /** The line holds a native histogram (`{{...}}`), which the runner does not load. */
  histogram: boolean;
}

export type Command =
  | {
      kind: 'load';
      intervalMs: number;
      series: SeriesValues[];
      line: number;
      /** `load_with_nhcb`: Prometheus also loads each classic histogram as a native one. */
      nhcb: boolean;
    }
  | { kind: 'clear'; line: number }
  | {
      kind: 'eval';
      line: number;
      query: string;
      instant: boolean;
      startMs: number;
      endMs: number;
      stepMs: number;
      fail: boolean;
      ordered: boolean;
      /** `expect range vector ...` (an instant query whose result is a range vector). */
      rangeVector: boolean;
      /** `expect string "..."`. */
      stringResult: boolean;
      expected: SeriesValues[];
      scalar?: number;
    };

export function parseTime(text: string): number {
  const ms = parseDurationMs(text) ?? secondsTextToMs(text);
  if (ms === undefined) throw new Error(`cannot read time "${text}"`);
  return ms;
}

/** Lines are trimmed and comments blanked, as promqltest's getLines does; a blank line ends a block. */
export function parseScript(text: string): Command[] {
  const lines = text.split('\n').map((l) => {
    const t = l.trim();
    return t.startsWith('#') ? '' : t;
  });
  const commands: Command[] = [];
  let i = 0;
  const block = (): { text: string; line: number }[] => {
    const out: { text: string; line: number }[] = [];
    while (i + 1 < lines.length && lines[i + 1] !== '') {
      i++;
      out.push({ text: lines[i]!, line: i + 1 });
    }
    return out;
  };
  for (; i < lines.length; i++) {
    const l = lines[i]!;
    if (l === '') continue;
    const line = i + 1;
    let m: RegExpExecArray | null;
    if ((m = /^load(_with_nhcb)?\s+(\S+)$/.exec(l))) {
      const intervalMs = parseTime(m[2]!);
      commands.push({
        kind: 'load',
        intervalMs,
        series: block().map((b) => parseSeriesLine(b.text)),
        line,
        nhcb: m[1] !== undefined,
      });
    } else if (l === 'clear') {
      commands.push({ kind: 'clear', line });
    } else if ((m = /^eval(_fail|_ordered|_warn|_info)?\s+(instant|range)\s+(.*)$/.exec(l))) {
      const variant = m[1] ?? '';
      const rest = m[3]!;
      let startMs: number;
      let endMs: number;
      let stepMs = 1;
      let query: string;
      let t: RegExpExecArray | null;
      if (m[2] === 'instant') {
        if (!(t = /^at\s+(\S+)\s+(.*)$/.exec(rest))) throw new Error(`line ${line}: bad eval instant`);
        startMs = endMs = parseTime(t[1]!);
        query = t[2]!;
      } else {
        if (!(t = /^from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+)\s+(.*)$/.exec(rest)))
          throw new Error(`line ${line}: bad eval range`);
        startMs = parseTime(t[1]!);
        endMs = parseTime(t[2]!);
        stepMs = parseTime(t[3]!);
        query = t[4]!;
      }
      const cmd: Extract<Command, { kind: 'eval' }> = {
        kind: 'eval',
        line,
        query,
        instant: m[2] === 'instant',
        startMs,
        endMs,
        stepMs,
        fail: variant === '_fail',
        ordered: variant === '_ordered',
        rangeVector: false,
        stringResult: false,
        expected: [],
      };
      for (const b of block()) {
        if (/^expect\s+fail\b/.test(b.text)) cmd.fail = true;
        else if (/^expect\s+ordered\b/.test(b.text)) cmd.ordered = true;
        else if (/^expect\s+range vector\b/.test(b.text)) cmd.rangeVector = true;
        else if (/^expect\s+string\b/.test(b.text)) cmd.stringResult = true;
        else if (/^expect\s/.test(b.text) || /^expected_fail_(message|regexp)\b/.test(b.text)) {
          // Annotation (warn/info) and error-message expectations: see docs/promql.md.
        } else if (/^[-+]?(\d|\.\d|Inf|NaN)/i.test(b.text) && !/[{}]/.test(b.text)) {
          const v = parseValue(b.text.trim());
          if (v !== 'stale') cmd.scalar = v;
        } else cmd.expected.push(parseSeriesLine(b.text));
      }
      commands.push(cmd);
    } else {
      throw new Error(`line ${line}: unknown command "${l}"`);
    }
  }
  return commands;
}

/** `metric{a="b"} 1 2+3x2 _ stale`: a label set and its expanded values. */
export function parseSeriesLine(text: string): SeriesValues {
  const { metric, labels, rest } = parseLabelSet(text);
  const items = splitItems(rest);
  const values: (number | 'stale' | undefined)[] = [];
  let histogram = false;
  for (const item of items) {
    if (item.includes('{{')) {
      histogram = true;
      continue;
    }
    let m: RegExpExecArray | null;
    if (item === '_') values.push(undefined);
    else if ((m = /^_x(\d+)$/.exec(item))) for (let k = 0; k < Number(m[1]); k++) values.push(undefined);
    else if ((m = new RegExp(`^(${VALUE})(?:([+-])(${UNSIGNED}))?x(\\d+)$`).exec(item))) {
      // series_value signed_number TIMES uint: N+1 values, the increment added as a float each time.
      let v = parseValue(m[1]!);
      const inc = m[2] === undefined ? 0 : parseValue(m[2] + m[3]!);
      for (let k = 0; k <= Number(m[4]); k++) {
        values.push(v);
        if (v !== 'stale' && inc !== 'stale') v += inc;
      }
    } else values.push(parseValue(item));
  }
  return { metric, labels, values, histogram };
}

const UNSIGNED =
  '(?:\\d+(?:\\.\\d*)?(?:[eE][+-]?\\d+)?|\\.\\d+(?:[eE][+-]?\\d+)?|0x[0-9a-fA-F]+|[Ii]nf|NaN|nan|stale)';
const VALUE = `[+-]?${UNSIGNED}`;

/** A value of the notation; 'stale' stays a marker (NaN payloads do not survive plain JS arrays). */
export function parseValue(text: string): number | 'stale' {
  const sign = text.startsWith('-') ? -1 : 1;
  const body = text.replace(/^[+-]/, '');
  if (body === 'stale') return 'stale';
  if (/^inf$/i.test(body)) return sign * Infinity;
  if (/^nan$/i.test(body)) return NaN;
  if (/^0x/i.test(body)) return sign * parseInt(body.slice(2), 16);
  const v = Number(body);
  if (body === '' || Number.isNaN(v)) throw new Error(`cannot read value "${text}"`);
  return sign * v;
}

/** Whitespace-separated items, keeping a histogram literal `{{...}}` (and what follows it) in one item. */
function splitItems(text: string): string[] {
  const items: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i]!)) {
      i++;
      continue;
    }
    let j = i;
    while (j < text.length && !/\s/.test(text[j]!)) {
      if (text.startsWith('{{', j)) {
        const end = text.indexOf('}}', j);
        j = end < 0 ? text.length : end + 2;
      } else j++;
    }
    items.push(text.slice(i, j));
    i = j;
  }
  return items;
}

/** `name{a="b", c='d'}` → metric, labels, and the text after the label set. */
export function parseLabelSet(text: string): {
  metric: string;
  labels: Record<string, string>;
  rest: string;
} {
  let i = 0;
  const name = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(text);
  let metric = '';
  if (name) {
    metric = name[0];
    i = metric.length;
  }
  const labels: Record<string, string> = {};
  if (text[i] === '{') {
    i++;
    for (;;) {
      while (/[\s,]/.test(text[i] ?? '')) i++;
      if (text[i] === '}') {
        i++;
        break;
      }
      const key = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
      if (!key) throw new Error(`bad label set: ${text}`);
      i += key[0].length;
      while (text[i] === ' ') i++;
      if (text[i] !== '=') throw new Error(`bad label set: ${text}`);
      i++;
      while (text[i] === ' ') i++;
      const quote = text[i]!;
      i++;
      let value = '';
      while (i < text.length && text[i] !== quote) {
        if (text[i] === '\\') {
          const next = text[i + 1]!;
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          i += 2;
        } else value += text[i++];
      }
      i++;
      labels[key[0]] = value;
    }
  }
  if (labels.__name__ !== undefined) {
    metric = labels.__name__;
    delete labels.__name__;
  }
  return { metric, labels, rest: text.slice(i) };
}
