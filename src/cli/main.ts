import { Command, CommanderError } from 'commander';
import { CliError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { EXAMPLES, examplesHelp, exitCodesHelp } from './examples.js';
import { terminalSafe } from './output.js';
import { versionText } from './version.js';

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
  experiment: async () => (await import('./experiment.js')).registerExperiment,
  completion: async () => (await import('./completion.js')).registerCompletion,
};

/** Thrown by --version so that main() prints the versions (loading DuckDB only then). */
const VERSION_CODE = 'trace-analyze.version';

/** Every error, commander's parse errors too, is one line starting `trace-analyze: `. */
const ERROR_PREFIX = 'trace-analyze: ';

/** Commander's "error: ...\n(Did you mean ...?)" as one line with our prefix, and where to find help. */
function commanderErrorLine(text: string, help: string): string {
  const line = text
    .replace(/^error: /, '')
    .trim()
    .replace(/\s*\n\s*/g, ' ');
  return `${ERROR_PREFIX}${terminalSafe(line)} (see ${help})\n`;
}

/** The program with the command `argv` names, or with every command (help, unknown command). */
export async function buildProgram(argv: string[]): Promise<Command> {
  const program = new Command('trace-analyze')
    .description(
      'Offline analysis of Prometheus exports, psrecord logs and /proc snapshots of Python web servers',
    )
    .option('-V, --version', 'print the versions of trace-analyze, DuckDB and Node.js')
    .on('option:version', () => {
      throw new CommanderError(0, VERSION_CODE, '');
    })
    .exitOverride()
    // Commander's messages quote the command line, which may hold escape sequences.
    .configureOutput({
      writeErr: (text) => process.stderr.write(terminalSafe(text)),
      outputError: (text, write) => write(commanderErrorLine(text, 'trace-analyze --help')),
    })
    .addHelpText('after', examplesHelp(Object.values(EXAMPLES).map((e) => e[0]!)) + '\n' + exitCodesHelp());
  const named = argv[0] !== undefined && Object.hasOwn(COMMANDS, argv[0]) ? [argv[0]] : Object.keys(COMMANDS);
  for (const name of named) (await COMMANDS[name]!())(program);
  for (const command of program.commands) {
    const help = `trace-analyze ${command.name()} --help`;
    command
      .exitOverride()
      .configureOutput({ outputError: (text, write) => write(commanderErrorLine(text, help)) })
      .addHelpText('after', examplesHelp(EXAMPLES[command.name()] ?? []));
  }
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
    if (e instanceof CommanderError && e.code === VERSION_CODE) {
      process.stdout.write(await versionText());
      return 0;
    }
    return reportError(e);
  }
}

export function reportError(e: unknown): number {
  if (e instanceof CommanderError) {
    // Commander already printed its message (and help, for --help / --version: exit 0).
    return e.exitCode === 0 ? 0 : 2;
  }
  if (e instanceof CliError) {
    process.stderr.write(`${ERROR_PREFIX}${terminalSafe(msg.firstLine(e.message))}\n`);
    return e.exitCode;
  }
  const text = e instanceof Error ? e.message : String(e);
  process.stderr.write(`${ERROR_PREFIX}internal error: ${terminalSafe(msg.firstLine(text))}\n`);
  if (process.env.TRACE_ANALYZE_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return 1;
}
