import { Command, CommanderError } from 'commander';
import { CliError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { terminalSafe } from './output.js';
import { VERSION } from './version.js';

type Register = (program: Command) => void;

/**
 * Each subcommand adds itself to the program (one file per command in src/cli/). A command's
 * module is loaded only when it runs (or for the full help): loading every command's modules —
 * DuckDB, the importers, vega — took most of a second before anything ran.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  import: async () => (await import('./import.js')).registerImport,
  query: async () => (await import('./query.js')).registerQuery,
  promql: async () => (await import('./promql.js')).registerPromql,
  report: async () => (await import('./report.js')).registerReport,
  export: async () => (await import('./export.js')).registerExport,
  collect: async () => (await import('./collect.js')).registerCollect,
  pull: async () => (await import('./pull.js')).registerPull,
};

/** The program with the command `argv` names, or with every command (help, unknown command). */
export async function buildProgram(argv: string[]): Promise<Command> {
  const program = new Command('trace-analyze')
    .description(
      'Offline analysis of Prometheus exports, psrecord logs and /proc snapshots of Python web servers',
    )
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(see trace-analyze --help)')
    .exitOverride()
    // Commander's messages quote the command line, which may hold escape sequences.
    .configureOutput({ writeErr: (text) => process.stderr.write(terminalSafe(text)) });
  const named = argv[0] !== undefined && Object.hasOwn(COMMANDS, argv[0]) ? [argv[0]] : Object.keys(COMMANDS);
  for (const name of named) (await COMMANDS[name]!())(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/**
 * Runs the CLI and returns the exit code: 0 success, 1 runtime failure (bad data, I/O),
 * 2 usage error. This is the one place errors become exit codes; every message is one line.
 */
export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    return reportError(e);
  }
}

export function reportError(e: unknown): number {
  if (e instanceof CommanderError) {
    // Commander already printed its message (and help, for --help / --version: exit 0).
    return e.exitCode === 0 ? 0 : 2;
  }
  if (e instanceof CliError) {
    process.stderr.write(`trace-analyze: ${terminalSafe(msg.firstLine(e.message))}\n`);
    return e.exitCode;
  }
  const text = e instanceof Error ? e.message : String(e);
  process.stderr.write(`trace-analyze: internal error: ${terminalSafe(msg.firstLine(text))}\n`);
  if (process.env.TRACE_ANALYZE_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return 1;
}
