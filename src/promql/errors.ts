import { UsageError } from '../base/errors.js';
import * as msg from '../base/messages.js';

/** 1-based line and column of a 0-based offset in the query, as Prometheus reports positions. */
export function queryPosition(query: string, offset: number): { line: number; column: number } {
  const before = query.slice(0, offset).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

/** The query is not valid PromQL (Prometheus would refuse it too). Exit code 2. */
export class PromqlSyntaxError extends UsageError {
  constructor(query: string, offset: number, detail: string) {
    super(msg.promqlSyntax(queryPosition(query, offset), detail));
    this.name = 'PromqlSyntaxError';
  }
}

/** Valid PromQL that is not compiled (docs/promql.md); names the construct and its position. Exit code 2. */
export class PromqlUnsupportedError extends UsageError {
  constructor(
    query: string,
    offset: number,
    readonly construct: string,
  ) {
    super(msg.promqlUnsupported(queryPosition(query, offset), construct));
    this.name = 'PromqlUnsupportedError';
  }
}
