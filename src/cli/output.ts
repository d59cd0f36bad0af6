/** Renders query results for the terminal (table), scripts (JSON) and spreadsheets (CSV). */

export type Cell = string | number | boolean | null | Cell[] | { [key: string]: Cell };

export interface ResultTable {
  columns: string[];
  rows: Cell[][];
}

/** Converts a value read with DuckDB's getRowsJS into a plain JSON-able cell. */
export function toCell(value: unknown, type: string): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (typeof value === 'number') return value;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (Array.isArray(value)) {
    if (type.startsWith('MAP(')) {
      const out: Record<string, Cell> = {};
      for (const entry of value as { key: unknown; value: unknown }[])
        out[String(entry.key)] = toCell(entry.value, '');
      return out;
    }
    const inner = type.endsWith('[]') ? type.slice(0, -2) : '';
    return value.map((v) => toCell(v, inner));
  }
  if (typeof value === 'object') {
    const out: Record<string, Cell> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = toCell(v, '');
    return out;
  }
  return String(value);
}

/** Number formatting shared by every output: NaN and infinities as Prometheus writes them. */
export function numberText(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

function cellText(cell: Cell): string {
  if (cell === null) return '';
  if (typeof cell === 'number') return numberText(cell);
  if (typeof cell === 'string') return cell;
  if (typeof cell === 'boolean') return String(cell);
  return JSON.stringify(jsonSafe(cell));
}

/** JSON has no NaN or Infinity: write them as Prometheus does, as strings. */
export function jsonSafe(cell: Cell): Cell {
  if (typeof cell === 'number') return Number.isFinite(cell) ? cell : numberText(cell);
  if (Array.isArray(cell)) return cell.map(jsonSafe);
  if (cell !== null && typeof cell === 'object') {
    const out: Record<string, Cell> = {};
    for (const [k, v] of Object.entries(cell)) out[k] = jsonSafe(v);
    return out;
  }
  return cell;
}

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

/**
 * CSV per RFC 4180. A text cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR
 * first) gets a leading apostrophe (OWASP CSV injection advice); numbers stay numbers.
 */
export function renderCsv(table: ResultTable): string {
  const lines = [
    table.columns.map((c) => csvField(c, true)),
    ...table.rows.map((r) => r.map((c) => csvField(c, typeof c !== 'number'))),
  ];
  return lines.map((l) => l.join(',')).join('\r\n') + '\r\n';
}

export function csvField(cell: Cell | string, isText: boolean): string {
  let text = typeof cell === 'string' ? cell : cellText(cell as Cell);
  if (isText && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
