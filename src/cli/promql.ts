import { once } from 'node:events';
import type { Command } from 'commander';
import { CliError, UsageError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { parseDurationArg, parseTimeArg } from '../base/time.js';
import { preparePromql, runPromql } from '../promql/engine.js';
import { ResultWriter } from '../promql/format.js';
import { parseSemantics, SEMANTICS } from '../promql/semantics.js';
import { TraceDatabase } from '../store/database.js';

interface PromqlOptions {
  db: string;
  time?: string;
  start?: string;
  end?: string;
  step?: string;
  semantics: string;
  deployment?: string;
}

export function registerPromql(program: Command): void {
  program
    .command('promql')
    .description("evaluate a PromQL expression and print Prometheus' API JSON (/api/v1/query or query_range)")
    .argument('<expr>', 'PromQL expression (the subset in docs/promql.md)')
    .requiredOption('--db <file>', 'DuckDB database file')
    .option('--time <t>', 'instant query at this time (RFC 3339, unix seconds or now)')
    .option('--start <t>', 'range query start')
    .option('--end <t>', 'range query end (a duration counts from --start)')
    .option('--step <dur>', 'range query resolution, e.g. 5s')
    .option('--semantics <version>', SEMANTICS.join(', '), 'prometheus-3')
    .option('--deployment <name>', 'only series of this deployment')
    .action(async (expr: string, options: PromqlOptions) => {
      const semantics = parseSemantics(options.semantics);
      const range = options.start !== undefined || options.end !== undefined || options.step !== undefined;
      if (range === (options.time !== undefined)) throw new UsageError(msg.promqlTimeOptions());
      if (range && (options.start === undefined || options.end === undefined || options.step === undefined))
        throw new UsageError(msg.promqlTimeOptions());
      const times = range
        ? (() => {
            const start = parseTimeArg(options.start!, '--start');
            return {
              start,
              end: parseTimeArg(options.end!, '--end', start),
              step: parseDurationArg(options.step!, '--step'),
            };
          })()
        : { time: parseTimeArg(options.time!, '--time') };
      const query = preparePromql({ query: expr, semantics, deployment: options.deployment, ...times });
      const db = await TraceDatabase.open(options.db, { readOnly: true });
      try {
        if (options.deployment !== undefined) {
          // A name that matches nothing would give an empty result, easily read as "no load".
          const known = (await db.rowsJS('SELECT DISTINCT deployment FROM series ORDER BY 1')).map((r) =>
            String(r.deployment),
          );
          if (!known.includes(options.deployment))
            throw new CliError(msg.unknownDeployment('--deployment', options.deployment, options.db, known));
        }
        // The body leaves as DuckDB hands over each chunk of rows (docs/promql.md, Output).
        const writer = new ResultWriter(query.resultType, async (text) => {
          if (!process.stdout.write(text)) await once(process.stdout, 'drain');
        });
        await runPromql(db, query, writer);
        await writer.end();
        process.stdout.write('\n');
      } finally {
        db.close();
      }
    });
}
