/** Result tables as plain cells, and their text forms shared by every output (terminal, JSON, CSV, exports). */

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
  // A BLOB: base64, as in query --format json (an object of its bytes would be `{"0":120}`).
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
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

/** A cell as text: numbers as numberText, lists and maps as JSON. */
export function cellText(cell: Cell): string {
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
 * CSV per RFC 4180. A text cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR
 * first) gets a leading apostrophe (OWASP CSV injection advice); numbers stay numbers.
 */
export function renderCsv(table: ResultTable): string {
  return csvLine(table.columns, true) + table.rows.map((r) => csvLine(r)).join('');
}

/** One CSV record with its CRLF; in a header every cell is text. */
export function csvLine(cells: readonly (Cell | string)[], header = false): string {
  return cells.map((c) => csvField(c, header || typeof c !== 'number')).join(',') + '\r\n';
}

export function csvField(cell: Cell | string, isText: boolean): string {
  let text = typeof cell === 'string' ? cell : cellText(cell as Cell);
  if (isText && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
