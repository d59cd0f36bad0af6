/** Errors a user can cause. Each carries its exit code; the CLI's single catch maps them (STYLE.md, Observable Framework). */

/**
 * Exit code 1: bad data, I/O. The message is one line naming the file and position; line
 * breaks in it (text quoted from an input) are shown escaped so it stays one line.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 | 130 | 143 = 1,
  ) {
    super(message.replace(/\r/g, '\\r').replace(/\n/g, '\\n'));
    this.name = 'CliError';
  }
}

/** Exit code 2: the command line itself is wrong (unknown option, unsupported PromQL construct, ...). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

/** SIGINT (Ctrl-C) or SIGTERM stopped the command: exit code 128 + the signal's number, as shells report it. */
export class InterruptedError extends CliError {
  constructor(
    readonly signal: 'SIGINT' | 'SIGTERM',
    message: string,
  ) {
    super(message, signal === 'SIGINT' ? 130 : 143);
    this.name = 'InterruptedError';
  }
}

/** Where in an input a problem is: a line (1-based) and column, or a byte offset. */
export type Position = { line: number; column?: number } | { offset: number } | undefined;

/** Bad input: names the file, the position and what was expected. Exit code 1. */
export class InputError extends CliError {
  constructor(
    readonly file: string,
    readonly position: Position,
    readonly detail: string,
  ) {
    super(`${file}${formatPosition(position)}: ${detail}`, 1);
    this.name = 'InputError';
  }
}

export function formatPosition(position: Position): string {
  if (!position) return '';
  if ('offset' in position) return ` (byte ${position.offset})`;
  return position.column === undefined ? `:${position.line}` : `:${position.line}:${position.column}`;
}
