/**
 * Prometheus' HTTP API JSON for query results, byte for byte: values as Go's
 * strconv.FormatFloat(v, 'f', -1, 64) (with "NaN", "+Inf", "-Inf"), timestamps as
 * jsonutil.MarshalTimestamp writes them, label sets as encoding/json writes a map.
 */

import type { PromqlResult, ResultSink, ResultType } from './engine.js';

/**
 * strconv.FormatFloat(v, 'f', -1, 64): the shortest decimal that reads back as v, never in
 * exponent form. JavaScript's String(v) has the same digits (the shortest that round-trip, the
 * nearest to v among them, as Go's) and uses exponent form only below 1e-6 and from 1e21 on, so
 * only those values are rewritten.
 */
export function formatValue(v: number): string {
  const text = String(v);
  if (!text.includes('e')) {
    if (v === 0) return Object.is(v, -0) ? '-0' : '0';
    if (v === Infinity) return '+Inf';
    return v === -Infinity ? '-Inf' : text;
  }
  // d.ddde±x: the digits, and the exponent of the first one.
  const e = text.indexOf('e');
  const sign = v < 0 ? '-' : '';
  const digits = text.slice(sign.length, e).replace('.', '');
  const exp = Number(text.slice(e + 1));
  return exp > 0
    ? sign + digits + '0'.repeat(exp - digits.length + 1)
    : `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
}

/** jsonutil.MarshalTimestamp: unix seconds, then "." and the milliseconds when they are not zero. */
export function formatTimestamp(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  const seconds = Math.floor(abs / 1000);
  const fraction = abs % 1000;
  return fraction === 0 ? `${sign}${seconds}` : `${sign}${seconds}.${String(fraction).padStart(3, '0')}`;
}

/** A JSON string as Go's encoding/json writes it (HTML-safe: <, > and & escaped, as are U+2028/9). */
export function goJsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || ch === '<' || ch === '>' || ch === '&' || c === 0x2028 || c === 0x2029)
      out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

function metricJson(labels: [string, string][]): string {
  let out = '{';
  for (let i = 0; i < labels.length; i++)
    out += `${i ? ',' : ''}${goJsonString(labels[i]![0])}:${goJsonString(labels[i]![1])}`;
  return out + '}';
}

/**
 * Writes the body of /api/v1/query (vector, scalar) or /api/v1/query_range (matrix) as the rows
 * arrive (engine.ts runPromql), passing the text on after every chunk: nothing of the result is
 * kept but the current chunk's text.
 */
export class ResultWriter implements ResultSink {
  private text: string;
  private seriesCount = 0;
  private pointCount = 0;

  constructor(
    private readonly resultType: ResultType,
    private readonly out: (text: string) => void | Promise<void>,
  ) {
    this.text = `{"status":"success","data":{"resultType":"${resultType}","result":`;
    if (resultType !== 'scalar') this.text += '[';
  }

  series(labels: [string, string][]): void {
    if (this.resultType === 'scalar') return;
    if (this.resultType === 'matrix') {
      this.text += `${this.seriesCount ? ']},' : ''}{"metric":${metricJson(labels)},"values":[`;
    } else {
      this.text += `${this.seriesCount ? ',' : ''}{"metric":${metricJson(labels)},"value":`;
    }
    this.seriesCount++;
    this.pointCount = 0;
  }

  point(t: number, v: number): void {
    const point = `[${formatTimestamp(t)},"${formatValue(v)}"]`;
    if (this.resultType === 'matrix') this.text += this.pointCount++ ? `,${point}` : point;
    else if (this.resultType === 'vector') this.text += `${point}}`;
    else this.text += point;
  }

  /** The text written since the last call. */
  take(): string {
    const text = this.text;
    this.text = '';
    return text;
  }

  async flush(): Promise<void> {
    const text = this.take();
    if (text) await this.out(text);
  }

  /** Closes the body; `end` also flushes. */
  close(): void {
    if (this.resultType === 'matrix') this.text += this.seriesCount ? ']}]' : ']';
    else if (this.resultType === 'vector') this.text += ']';
    this.text += '}}';
  }

  async end(): Promise<void> {
    this.close();
    await this.flush();
  }
}

/** The whole body of a collected result (tests; the CLI streams through ResultWriter). */
export function formatResult(result: PromqlResult): string {
  const writer = new ResultWriter(result.resultType, () => {});
  for (const s of result.series) {
    writer.series(s.labels);
    for (const p of s.points) writer.point(p.t, p.v);
  }
  writer.close();
  return writer.take();
}
