/** Renders query results for the terminal (table), scripts (JSON) and spreadsheets (CSV). */

import { cellText, jsonSafe, type Cell, type ResultTable } from '../base/table.js';

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
  const widths = header.map((h, i) => Math.max(h.length, ...texts.map((r) => r[i]!.length)));
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
