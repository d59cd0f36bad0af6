import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBResult } from '@duckdb/node-api';
import { CliError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { listSql } from '../base/sql-files.js';
import type { TraceDatabase } from '../store/database.js';
import { writeArrow } from './arrow.js';
import { writeCsv } from './csv.js';

/**
 * Exports: the canonical tables (src/export/tables/*.sql, one file per table) or one SQL
 * result, as Parquet (DuckDB's COPY), Arrow IPC files (apache-arrow) or spreadsheet-safe CSV.
 */
export const EXPORT_FORMATS = ['parquet', 'arrow', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportTarget {
  /** The output file's base name. */
  name: string;
  sql: string;
}

/** The canonical tables, in the order of their numbered .sql files. */
export function canonicalTables(): ExportTarget[] {
  return listSql('export/tables').map(({ name, sql }) => ({
    name: name.replace(/^\d+-/, '').replace(/\.sql$/, ''),
    sql,
  }));
}

export interface ExportedFile {
  path: string;
  rows: number;
}

/** Writes each target to `<outDir>/<name>.<format>`, creating outDir if needed. */
export async function exportTargets(
  db: TraceDatabase,
  targets: ExportTarget[],
  format: ExportFormat,
  outDir: string,
): Promise<ExportedFile[]> {
  mkdirSync(outDir, { recursive: true });
  const files: ExportedFile[] = [];
  for (const target of targets) {
    const path = join(outDir, `${target.name}.${format}`);
    const sql = statement(target.sql);
    try {
      if (format === 'parquet') {
        // COPY takes no parameters: the path is quoted as a SQL string literal.
        const result = await db.connection.run(
          `COPY (${sql}\n) TO '${path.replace(/'/g, "''")}' (FORMAT parquet, COMPRESSION zstd)`,
        );
        files.push({ path, rows: Number(result.rowsChanged) });
      } else {
        const result: DuckDBResult = await db.connection.stream(sql);
        files.push({
          path,
          rows: format === 'arrow' ? await writeArrow(result, path) : await writeCsv(result, path),
        });
      }
    } catch (e) {
      if (e instanceof CliError) throw e;
      const reason = e instanceof Error ? e.message : String(e);
      if ((e as NodeJS.ErrnoException).code) throw new CliError(msg.cannotRead(path, reason));
      throw new CliError(msg.sqlFailed(reason));
    }
  }
  return files;
}

/** One statement as written in a .sql file or on the command line, without a trailing semicolon. */
function statement(sql: string): string {
  return sql.trim().replace(/;\s*$/, '');
}
