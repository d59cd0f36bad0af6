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

// Models and report (src/models/, src/report/)

// pull (src/pull/)
export const pullBadHeader = () =>
  '--header: expected "Name: value" (a header name, a colon, then the value)';
export const pullBadUrl = (text: string) => `--url: cannot read "${text}" as an http(s) URL`;
export const pullBadWindow = () => '--end must be after --start';
export const pullOutOrDb = () => 'give either --out <file.json> or --db <file.duckdb> --deployment <name>';
export const pullServerError = (url: string, status: number, errorType: string, error: string) =>
  `${url}: Prometheus answered ${status} (${errorType}): ${error}`;
export const pullHttpError = (url: string, status: number, body: string) =>
  `${url}: HTTP ${status}${body ? `: ${body}` : ''}`;
export const pullNetworkError = (url: string, reason: string, attempts: number) =>
  `${url}: request failed after ${attempts} attempt${attempts === 1 ? '' : 's'} (${reason})`;
export const pullNotApi = (url: string, detail: string) =>
  `${url}: not a Prometheus API response (${detail}); is --url the server's base URL?`;
export const pullChunkTooSmall = (url: string, error: string) =>
  `${url}: the server refuses even a one-second chunk: ${error}`;
export const pullNoMetadata = (reason: string) =>
  `no metric metadata from /api/v1/metadata (${reason}); kinds come from metric names`;
export const cannotWrite = (path: string, reason: string) => `${path}: cannot write (${reason})`;
export const pullBadRetries = (text: string) =>
  `--retries: expected a whole number from 0 to 10, got "${text}"`;
export const pullDone = (series: number, samples: number, chunks: number, target: string) =>
  `pulled ${samples} samples in ${series} series (${chunks} chunk${chunks === 1 ? '' : 's'}) into ${target}`;
export const pullProgress = (done: number, total: number, samples: number) =>
  `pull: chunk ${done} of ${total}, ${samples} samples`;
export const pullChunkHalved = (fromMs: number, toMs: number) =>
  `the server's limits refused a ${(toMs - fromMs) / 1000}s chunk; halving it`;

// Query
export const sqlFailed = (reason: string) => `query failed: ${firstLine(reason)}`;

export function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? text;
  return line.trim();
}
