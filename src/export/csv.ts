import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { DuckDBResult } from '@duckdb/node-api';
import { csvLine, toCell } from '../base/table.js';
import { duckdb } from '../store/duckdb.js';

const { JSDuckDBValueConverter } = duckdb;

/**
 * Writes a DuckDB result as CSV (RFC 4180, CRLF), chunk by chunk. Text that a spreadsheet would
 * run as a formula gets a leading apostrophe (csvField); numbers stay numbers; NaN and
 * infinities are written as Prometheus writes them; NULL is an empty field.
 */
export async function writeCsv(result: DuckDBResult, path: string): Promise<number> {
  const types = result.columnTypes().map(String);
  const out = createWriteStream(path);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  let rows = 0;
  try {
    await write(csvLine(result.columnNames(), true));
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const lines = chunk
        .convertRows(JSDuckDBValueConverter)
        .map((row) => csvLine(row.map((v, i) => toCell(v, types[i]!))));
      await write(lines.join(''));
      rows += chunk.rowCount;
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  return rows;
}
