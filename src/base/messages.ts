/**
 * Every user-facing message, one small function each (STYLE.md, vega-lite's log/message.ts):
 * wording stays consistent and tests assert on these functions rather than on copied strings.
 */

// Command line
export const badTime = (option: string, text: string) =>
  `${option}: cannot read "${text}" as a time (expected RFC 3339, unix seconds or a duration such as 90s)`;
export const timeNeedsAnchor = (option: string, text: string) =>
  `${option}: "${text}" is a duration, but there is no start to count it from here`;
export const badDuration = (option: string, text: string) =>
  `${option}: cannot read "${text}" as a duration (expected e.g. 5s, 1m, 1h30m)`;
export const unknownFormat = (option: string, text: string, known: readonly string[]) =>
  `${option}: unknown format "${text}" (one of ${known.join(', ')})`;
export const missingOption = (option: string) => `missing required option ${option}`;

// Inputs
export const fileNotFound = (path: string) => `${path}: no such file or folder`;
export const cannotRead = (path: string, reason: string) => `${path}: cannot read (${reason})`;
export const undetectedFormat = (tried: readonly string[]) =>
  `format not recognised (tried ${tried.join(', ')}); name it with --format`;
export const notGzip = () => 'gzip data is corrupt or truncated';
export const emptyInput = () => 'the file is empty';

// JSON
export const jsonUnexpected = (found: string, expected: string) =>
  `unexpected ${found}, expected ${expected}`;
export const jsonTruncated = (expected: string) => `file ends early, expected ${expected}`;
export const jsonTrailing = () => 'unexpected data after the end of the JSON document';
export const jsonTooDeep = (limit: number) => `JSON nested deeper than ${limit} levels`;

// Prometheus API bodies
export const promApiError = (errorType: string, error: string) =>
  `the file holds a Prometheus API error (${errorType}): ${error}`;
export const promNotApiBody = () =>
  'not a Prometheus API response body (expected {"status":"success","data":{"resultType":...}})';
export const promBadResultType = (type: string) =>
  `unsupported resultType "${type}" (expected matrix, vector or scalar)`;
export const promBadSample = (detail: string) => `bad sample: ${detail}`;
export const promBadValue = (text: string) => `cannot read sample value "${text}" as a number`;
export const promBadTimestamp = (text: string) => `cannot read sample timestamp "${text}" as unix seconds`;
export const promMissingName = () => 'series without __name__ (kept with metric name "")';
export const promWarning = (text: string) => `Prometheus warning: ${text}`;

// Store
export const dbNewerSchema = (path: string, found: number, supported: number) =>
  `${path}: database schema version ${found} is newer than this trace-analyze supports (${supported}); upgrade trace-analyze`;
export const dbNotOurs = (path: string) => `${path}: not a trace-analyze database (no schema version)`;
export const dbLocked = (path: string) =>
  `${path}: the database is in use by another process (DuckDB holds a lock on it); wait for it to finish`;
export const dbOpenFailed = (path: string, reason: string) => `${path}: cannot open database (${reason})`;
export const dbMissing = (path: string) => `${path}: no such database (create one with trace-analyze import)`;
export const dbNeedsMigration = (path: string, found: number, current: number) =>
  `${path}: database schema version ${found} is older than ${current}; open it once without read-only access to migrate it`;
export const importNoop = (path: string, deployment: string, importId: number) =>
  `${path}: identical content already imported into deployment "${deployment}" (import ${importId}); nothing to do`;
export const importDone = (
  path: string,
  format: string,
  series: number,
  samples: number,
  deployment: string,
) => `${path}: imported ${samples} samples in ${series} series (${format}) into deployment "${deployment}"`;
export const duplicateSamples = (count: number) =>
  `${count} samples repeat a timestamp that the same series already had; rates over them are unreliable`;

// Sections below are filled by the capability that owns them; keep each area's messages together.

// psrecord and /proc snapshots (src/importers/psrecord.ts, procfs.ts), processes and collect

// Text formats: prom-text, vm-jsonl, promtool-dump, grafana-csv; exports

// PromQL (src/promql/)
type QueryPos = { line: number; column: number };
export const promqlSyntax = (pos: QueryPos, detail: string) =>
  `PromQL syntax error at ${pos.line}:${pos.column}: ${detail}`;
export const promqlUnsupported = (pos: QueryPos, construct: string) =>
  `unsupported PromQL at ${pos.line}:${pos.column}: ${construct} is outside the supported subset (see docs/promql.md)`;
export const promqlUnexpectedChar = (ch: string) => `unexpected character ${JSON.stringify(ch)}`;
export const promqlBadEscape = (ch: string) => `unknown escape sequence \\${ch}`;
export const promqlUnterminatedString = () => 'unterminated quoted string';
export const promqlUnexpected = (found: string, expected: string) =>
  `unexpected ${found === '' ? 'end of input' : JSON.stringify(found)}, expected ${expected}`;
export const promqlBadNumber = (text: string) => `cannot read ${JSON.stringify(text)} as a number`;
export const promqlBadDuration = (text: string) => `cannot read ${JSON.stringify(text)} as a duration`;
export const promqlEmptySelector = () => 'vector selector must contain at least one non-empty matcher';
export const promqlTwoNames = () => 'metric name given twice in a selector';
export const promqlBadRegex = (re: string, reason: string) =>
  `invalid regular expression ${JSON.stringify(re)}: ${reason}`;
export const promqlArgType = (func: string, expected: string, got: string) =>
  `expected type ${expected} in call to function "${func}", got ${got}`;
export const promqlArgCount = (func: string, expected: number, got: number) =>
  `expected ${expected} argument(s) in call to "${func}", got ${got}`;
export const promqlAggType = (got: string) =>
  `expected type instant vector in aggregation expression, got ${got}`;
export const promqlBinaryType = () => 'binary expression must contain only scalar and instant vector types';
export const promqlMatchingScalar = () => 'vector matching only allowed between instant vectors';
export const promqlOffsetTarget = () =>
  'offset modifier must be preceded by an instant vector selector or range vector selector';
export const promqlRangeTarget = () => 'ranges only allowed for vector selectors';
export const promqlUnaryType = () =>
  'unary expression only allowed on expressions of type scalar or instant vector';
export const promqlStepTooSmall = () => 'zero or negative query resolution step widths are not accepted';
export const promqlEndBeforeStart = () => 'end timestamp must not be before start time';
export const promqlTooManyPoints = (points: number) =>
  `exceeded maximum resolution of 11,000 points per timeseries (${points}); try decreasing the query resolution (--step)`;
export const promqlTimeOptions = () => 'give either --time, or --start, --end and --step';
export const promqlUnknownSemantics = (text: string, known: readonly string[]) =>
  `--semantics: unknown "${text}" (one of ${known.join(', ')})`;
export const promqlDuplicateSeries = (labels: string) =>
  `vector cannot contain metrics with the same labelset ${labels}`;
export const promqlManyToMany = (side: string) =>
  `found duplicate series for the match group on the ${side} hand-side of the operation; many-to-many matching not allowed: matching labels must be unique on one side`;

// Models and report (src/models/, src/report/)

// pull (src/pull/)

// Query
export const sqlFailed = (reason: string) => `query failed: ${firstLine(reason)}`;

export function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? text;
  return line.trim();
}
