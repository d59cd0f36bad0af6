/**
 * Prometheus' HTTP API JSON for query results, byte for byte: values as Go's
 * strconv.FormatFloat(v, 'f', -1, 64) (with "NaN", "+Inf", "-Inf"), timestamps as
 * jsonutil.MarshalTimestamp writes them, label sets as encoding/json writes a map.
 */

import type { PromqlResult } from './engine.js';

/** strconv.FormatFloat(v, 'f', -1, 64): the shortest decimal that reads back as v, never in exponent form. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const sign = v < 0 ? '-' : '';
  // toExponential() without digits gives the shortest round-trip digits, like Go's 'e', -1.
  const [mantissa, expText] = Math.abs(v).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  if (exp >= digits.length - 1) return sign + digits + '0'.repeat(exp - digits.length + 1);
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
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
  return `{${labels.map(([k, v]) => `${goJsonString(k)}:${goJsonString(v)}`).join(',')}}`;
}

function pointJson(t: number, v: number): string {
  return `[${formatTimestamp(t)},"${formatValue(v)}"]`;
}

/** The body of /api/v1/query (vector, scalar) or /api/v1/query_range (matrix). */
export function formatResult(result: PromqlResult): string {
  let body: string;
  if (result.resultType === 'scalar') {
    const p = result.series[0]!.points[0]!;
    body = pointJson(p.t, p.v);
  } else if (result.resultType === 'vector') {
    body = `[${result.series.map((s) => `{"metric":${metricJson(s.labels)},"value":${pointJson(s.points[0]!.t, s.points[0]!.v)}}`).join(',')}]`;
  } else {
    body = `[${result.series
      .map(
        (s) =>
          `{"metric":${metricJson(s.labels)},"values":[${s.points.map((p) => pointJson(p.t, p.v)).join(',')}]}`,
      )
      .join(',')}]`;
  }
  return `{"status":"success","data":{"resultType":"${result.resultType}","result":${body}}}`;
}
