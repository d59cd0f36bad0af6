import type { Command } from 'commander';
import { CliError, UsageError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { TraceDatabase } from '../store/database.js';
import { jsonCell, renderCsv, renderJson, renderTable, toCell, type ResultTable } from './output.js';

const QUERY_FORMATS = ['table', 'json', 'csv'];

export function registerQuery(program: Command): void {
  program
    .command('query')
    .description('run SQL against a database (read-only) and print the result')
    .argument(
      '<sql>',
      'a SQL query over the canonical tables (imports, series, samples, processes, metric_catalog)',
    )
    .requiredOption('--db <file>', 'DuckDB database file')
    .option('--format <fmt>', 'table, json or csv', 'table')
    .action(async (sql: string, options: { db: string; format: string }) => {
      if (!QUERY_FORMATS.includes(options.format)) {
        throw new UsageError(msg.unknownFormat('--format', options.format, QUERY_FORMATS));
      }
      const db = await TraceDatabase.open(options.db, { readOnly: true });
      try {
        const table = await runQuery(db, sql, options.format === 'json');
        const render =
          options.format === 'json' ? renderJson : options.format === 'csv' ? renderCsv : renderTable;
        process.stdout.write(render(table));
      } finally {
        db.close();
      }
    });
}

/** Runs one statement; `json`: cells typed by column for JSON (jsonCell), else plain cells for text. */
export async function runQuery(db: TraceDatabase, sql: string, json = false): Promise<ResultTable> {
  try {
    const reader = await db.connection.runAndReadAll(sql);
    const types = reader.columnTypes().map(String);
    return {
      columns: reader.columnNames(),
      rows: json
        ? reader.getRows().map((row) => row.map(jsonCell))
        : reader.getRowsJS().map((row) => row.map((v, i) => toCell(v, types[i]!))),
    };
  } catch (e) {
    throw new CliError(msg.sqlFailed(e instanceof Error ? e.message : String(e)));
  }
}
