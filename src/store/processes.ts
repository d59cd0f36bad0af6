import { listSql } from '../base/sql-files.js';
import type { TraceDatabase } from './database.js';

/**
 * The one place where processes get identity, pool and role (src/store/processes/*.sql, run
 * in order after each import inside its transaction): identity for series that name a process
 * in their labels, then roles and pools for the whole deployment. The SQL reads its
 * parameters from temp.process_params so the files also run in DuckDB's own CLI.
 */
const STEPS = listSql('store/processes');

export interface ProcessOptions {
  deployment: string;
  importId: number;
  /** Label that carries a pid (default `pid`; process-exporter's groupname "comm:pid" is read too). */
  pidLabel?: string;
  /** Pool for every process of this import (default: the tree root, or the pod/instance/job label). */
  pool?: string;
}

export async function assignProcesses(db: TraceDatabase, options: ProcessOptions): Promise<void> {
  await db.run(
    `CREATE OR REPLACE TEMP TABLE process_params AS
     SELECT $deployment::VARCHAR AS deployment, $import::INTEGER AS import_id,
            $pidLabel::VARCHAR AS pid_label, $pool::VARCHAR AS pool`,
    {
      deployment: options.deployment,
      import: options.importId,
      pidLabel: options.pidLabel ?? 'pid',
      pool: options.pool ?? null,
    },
  );
  for (const step of STEPS) await db.connection.run(step.sql);
  await db.run('DROP TABLE temp.process_params');
}
