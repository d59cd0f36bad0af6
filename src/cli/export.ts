import type { Command } from 'commander';
import { UsageError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { EXPORT_FORMATS, canonicalTables, exportTargets, type ExportFormat } from '../export/export.js';
import { TraceDatabase } from '../store/database.js';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('write the canonical tables (or one SQL result) as Parquet, Arrow IPC or CSV files')
    .requiredOption('--db <file>', 'DuckDB database file')
    .requiredOption('--out <dir>', 'folder for the files (created if missing): <table>.<format>')
    .option('--format <fmt>', 'parquet, arrow or csv', 'parquet')
    .option('--query <sql>', 'export this SQL result instead, as query.<format>')
    .action(async (options: { db: string; out: string; format: string; query?: string }) => {
      if (!(EXPORT_FORMATS as readonly string[]).includes(options.format)) {
        throw new UsageError(msg.exportFormat(options.format));
      }
      const targets =
        options.query === undefined ? canonicalTables() : [{ name: 'query', sql: options.query }];
      const db = await TraceDatabase.open(options.db, { readOnly: true, allowedDirectories: [options.out] });
      try {
        const files = await exportTargets(db, targets, options.format as ExportFormat, options.out);
        for (const f of files) process.stderr.write(`${msg.exportWrote(f.path, f.rows)}\n`);
      } finally {
        db.close();
      }
    });
}
