/** Renders query results for the terminal (table), scripts (JSON) and spreadsheets (CSV). */

import type { DuckDBValue } from '@duckdb/node-api';
import { duckdb } from '../store/duckdb.js';
import { cellText, jsonSafe, numberText, type Cell, type ResultTable } from '../base/table.js';

// Through require() (src/store/duckdb.ts): every command loads this module, and an ESM import of
// the CommonJS package runs Node's export lexer over it first (0.16 s of each start).
const {
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBUnionValue,
} = duckdb;

export {
  csvField,
  jsonSafe,
  numberText,
  renderCsv,
  toCell,
  type Cell,
  type ResultTable,
} from '../base/table.js';

/**
 * Control characters (ANSI escapes included) are shown escaped, never sent to the terminal raw;
 * so are Unicode bidirectional controls, which can make text display in an order other than
 * its bytes (CVE-2021-42574, "Trojan Source").
 */
export function terminalSafe(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    const control = (code < 0x20 && ch !== '\n' && ch !== '\t') || (code >= 0x7f && code <= 0x9f);
    const bidi = (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
    out += control ? `\\x${code.toString(16).padStart(2, '0')}` : bidi ? `\\u${code.toString(16)}` : ch;
  }
  return out;
}

export function renderTable(table: ResultTable): string {
  const texts = table.rows.map((row) => row.map((c) => terminalSafe(cellText(c)).replace(/\n/g, '\\n')));
  const header = table.columns.map(terminalSafe);
  // A loop, not Math.max(...column): spreading a million rows overflows the call stack.
  const widths = header.map((h) => h.length);
  for (const row of texts) row.forEach((text, i) => (widths[i] = Math.max(widths[i]!, text.length)));
  const numeric = table.columns.map(
    (_, i) => table.rows.length > 0 && table.rows.every((r) => typeof r[i] === 'number' || r[i] === null),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...texts.map(line)];
  out.push(`(${table.rows.length} row${table.rows.length === 1 ? '' : 's'})`);
  return out.join('\n') + '\n';
}

export function renderJson(table: ResultTable): string {
  const objects = table.rows.map((row) => {
    const o: Record<string, Cell> = {};
    table.columns.forEach((c, i) => (o[c] = jsonSafe(row[i]!)));
    return o;
  });
  return JSON.stringify(objects) + '\n';
}

/**
 * One DuckDB value as JSON for `query --format json`; the JSON type depends only on the
 * column's type, never on the value (README.md, "query --format json"):
 * - BOOLEAN: true/false; TINYINT to INTEGER (and unsigned), FLOAT, DOUBLE: numbers, except NaN
 *   and ±Inf, which JSON cannot hold: the strings "NaN", "+Inf", "-Inf" (as Prometheus writes them);
 * - BIGINT, UBIGINT, HUGEINT, UHUGEINT, DECIMAL: strings of the exact digits (a JavaScript
 *   number holds integers exactly only up to 2^53: ts in ms and counts are BIGINT);
 * - BLOB: base64; DATE: `2026-11-27`; TIMESTAMP: ISO 8601 without a zone, as stored;
 *   TIMESTAMP WITH TIME ZONE: ISO 8601 in UTC with `Z`; other types: DuckDB's text form;
 * - LIST and ARRAY: arrays, MAP: objects keyed by the key's text, STRUCT: objects; NULL: null.
 */
export function jsonCell(value: DuckDBValue): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : numberText(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof DuckDBBlobValue) return Buffer.from(value.bytes).toString('base64');
  if (value instanceof DuckDBTimestampTZValue) {
    const utc = new DuckDBTimestampValue(value.micros).toString();
    return /^-?infinity$/.test(utc) ? utc : `${utc.replace(' ', 'T')}Z`;
  }
  if (
    value instanceof DuckDBTimestampValue ||
    value instanceof DuckDBTimestampSecondsValue ||
    value instanceof DuckDBTimestampMillisecondsValue ||
    value instanceof DuckDBTimestampNanosecondsValue
  )
    return value.toString().replace(' ', 'T');
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue) return value.items.map(jsonCell);
  if (value instanceof DuckDBMapValue) {
    const out: Record<string, Cell> = {};
    for (const { key, value: v } of value.entries) out[String(jsonCell(key))] = jsonCell(v);
    return out;
  }
  if (value instanceof DuckDBStructValue) {
    const out: Record<string, Cell> = {};
    for (const [k, v] of Object.entries(value.entries)) out[k] = jsonCell(v);
    return out;
  }
  if (value instanceof DuckDBUnionValue) return jsonCell(value.value);
  return String(value); // DECIMAL, DATE, TIME, INTERVAL, UUID, BIT, ...: DuckDB's exact text
}
