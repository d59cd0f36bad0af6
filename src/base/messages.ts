/**
 * Every user-facing message, one small function each (STYLE.md, vega-lite's log/message.ts):
 * wording stays consistent and tests assert on these functions rather than on copied strings.
 */

// Command line
export const badTime = (option: string, text: string) =>
  `${option}: cannot read "${text}" as a time (expected RFC 3339, unix seconds, now or a duration such as 90s)`;
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
export const inputTooLarge = (limit: string) =>
  `decompressed content is larger than ${limit} (a gzip bomb?); raise the limit with --max-bytes`;
export const notUtf8 = () => notText('utf-8');
export const notText = (encoding: string) =>
  `not ${encoding.toUpperCase()} text (a byte sequence that is not ${encoding.toUpperCase()})`;
export const lineTooLong = (limit: number) => `a line longer than ${limit} bytes (see docs/limits.md)`;
export const badByteSize = (option: string, text: string) =>
  `${option}: cannot read "${text}" as a size (expected bytes, or e.g. 64MiB, 8GiB)`;

// JSON
export const jsonUnexpected = (found: string, expected: string) =>
  `unexpected ${found}, expected ${expected}`;
export const jsonTruncated = (expected: string) => `file ends early, expected ${expected}`;
export const jsonNotUtf8 = () => 'a string that is not UTF-8 (JSON text is UTF-8, RFC 8259)';
export const jsonTrailing = () => 'unexpected data after the end of the JSON document';
export const jsonTooDeep = (limit: number) => `JSON nested deeper than ${limit} levels`;
export const jsonTokenTooLong = (limit: number) =>
  `a JSON string or number longer than ${limit} bytes (see docs/limits.md)`;

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
/** At most three names, then how many more: a summary stays one short line. */
export function someNames(names: readonly string[]): string {
  const shown = names.slice(0, 3).join(', ');
  return names.length > 3 ? `${shown}, … ${names.length - 3} more` : shown;
}
export const importNothingRecognised = (path: string, skipped: readonly string[]) =>
  `${path}: nothing imported: no file in a known format (${skipped.length} not recognised: ${someNames(skipped)}); name the format with --format`;
export const importEmptyFolder = (path: string) => `${path}: nothing imported: the folder holds no file`;
export const importSkippedSummary = (path: string, imported: number, skipped: readonly string[]) =>
  `${path}: imported ${imported} file${imported === 1 ? '' : 's'}, skipped ${skipped.length} (not recognised: ${someNames(skipped)})`;
export const importOtherStart = (importId: number, deployment: string) =>
  `the same bytes were imported into deployment "${deployment}" before at another --start (import ${importId}): both are kept; import into a new database to keep only one`;
export const importInterrupted = (signal: string) =>
  `interrupted (${signal}): the file in progress was not imported (rolled back); files reported as imported are kept`;
export const reportInterrupted = (signal: string) =>
  `interrupted (${signal}): no report written; the temporary database is removed`;
export const reportDbInterrupted = (signal: string) => `interrupted (${signal}): no report written`;
export const importNoSamples = () => 'the input holds no samples';
export const repeatedSamples = (count: number, ofEarlier: number) =>
  `${count} sample${count === 1 ? '' : 's'} at a time ${count === 1 ? 'its' : 'their'} series already had${ofEarlier > 0 ? ` (${ofEarlier} from an earlier import)` : ''}: the first sample at each time is kept, as Prometheus keeps it`;

// Sections below are filled by the capability that owns them; keep each area's messages together.

// psrecord and /proc snapshots (src/importers/psrecord.ts, procfs.ts), processes and collect
export const psrecordNotFile = () => 'a psrecord log is a file, not a folder';
export const psrecordNoHeader = () =>
  'no psrecord header (expected "# Elapsed time   CPU (%) ..." or "elapsed_time,...")';
export const psrecordNoElapsed = () => 'the psrecord header has no elapsed-time column';
export const psrecordColumns = (expected: number, found: number) =>
  `expected ${expected} columns as in the header, found ${found}`;
export const psrecordBadNumber = (text: string) => `cannot read "${text}" as a number`;
export const psrecordUnknownColumn = (name: string) => `psrecord column "${name}" is not known; not imported`;
export const psrecordStartFromMtime = (iso: string, deployment: string) =>
  `no --start given: the log's start (${iso}) is its modification time minus its duration; for exact times give import --start <time>, or report --start ${deployment}=<time>`;
export const procfsBadStat = (detail: string) => `cannot read /proc stat line: ${detail}`;
export const procfsNoMeta = (snapshot: string) =>
  `snapshot ${snapshot} has no meta file with clk_tck and pagesize; assumed 100 and 4096`;
export const procfsNoBtime = (snapshot: string) =>
  `snapshot ${snapshot} has no proc/stat with btime; process start times unknown there (identity is the pid alone)`;
export const procfsSplitSnapshot = (snapshot: string) =>
  `the entries of snapshot ${snapshot} are not together in the archive (expected one folder after another)`;
export const cgroupBadFile = (detail: string) => `cannot read cgroup file: ${detail}`;
export const tarCorrupt = (detail: string) => `tar archive is corrupt: ${detail}`;
export const tarTruncated = () => 'tar archive ends inside an entry';
export const tarEntryTooLarge = (name: string, limit: number) =>
  `tar entry "${name}" is larger than ${limit} bytes (the limit for one entry; raise it with --max-entry-bytes)`;
export const tarDuplicateEntry = (name: string) => `tar entry "${name}" appears twice (which one is meant?)`;
export const collectNeedsTarget = () => 'collect needs --pid <pid> or -- <command...> (one of them)';
export const collectNoProcess = (pid: number) => `no process with pid ${pid}`;
export const collectDone = (dir: string, snapshots: number, cpuSeconds: number, wallSeconds: number) =>
  `${dir}: wrote ${snapshots} snapshots in ${wallSeconds.toFixed(1)} s; the recorder used ${cpuSeconds.toFixed(2)} s of CPU (${((100 * cpuSeconds) / Math.max(wallSeconds, 1e-9)).toFixed(2)} % of one core)`;
export const collectOutNotEmpty = (dir: string, entries: number) =>
  `--out ${dir}: the folder is not empty (${entries} entries); give --append to add this recording to it, or a new folder`;
export const collectOutNotFolder = (path: string) =>
  `--out ${path}: exists and is not a folder; give a new folder, or a new file ending in .tar.gz`;
export const collectOutExists = (path: string) =>
  `--out ${path}: the file exists; collect never overwrites one (give a new name)`;
export const collectAppendArchive = (path: string) =>
  `--append adds to a folder; ${path} is an archive, which collect always writes new`;
export const collectNotLinux = () => 'collect reads /proc, which this system does not have';
export const badPid = (text: string) => `--pid: "${text}" is not a process id`;
export const badPoolOption = (text: string) => `--pool: "${text}" is empty`;

// Text formats: prom-text, vm-jsonl, promtool-dump, grafana-csv; exports
export const textUnexpected = (found: string, expected: string) =>
  `unexpected ${found}, expected ${expected}`;
export const textBadEscape = () => 'bad escape sequence in a label value';
export const textUnterminated = () => 'label value has no closing quote';
export const textDuplicateName = () => 'the metric name is given twice';
export const textDuplicateLabel = (name: string) => `label "${name}" is given twice`;
export const textBadValue = (text: string) => `cannot read sample value "${text}" as a number`;
export const textBadTimestamp = (text: string) => `cannot read sample timestamp "${text}"`;
export const textBadType = (type: string) =>
  `unknown metric type "${type}" (expected counter, gauge, histogram, summary, untyped or an OpenMetrics type)`;
export const textBadComment = (detail: string) => `bad metadata line: ${detail}`;
export const textAfterEof = () => 'data after "# EOF"';
export const textNoTimestamp = () =>
  'sample has no timestamp and the file name is not a unix-ms time (e.g. 1795793149305.prom); give --start';
export const textNoSamples = () => 'no samples in the file';
export const dumpStaleMarkers = (count: number) =>
  `${count} NaN samples read as staleness markers (promtool prints both as NaN; stored as NULL)`;
export const dumpHistograms = (count: number) =>
  `${count} native histogram samples skipped (float samples only)`;
export const vmBadLine = (detail: string) => `not a VictoriaMetrics export line: ${detail}`;
export const vmLengthMismatch = (values: number, timestamps: number) =>
  `"values" has ${values} entries but "timestamps" has ${timestamps}`;
export const csvNoTimeColumn = () => 'no time column (expected a first column named "Time" or similar)';
export const csvBadTime = (text: string) => `cannot read "${text}" as a time`;
export const csvBadValue = (text: string) => `cannot read "${text}" as a number (with an optional unit)`;
export const csvLocalTime = (zone: string) =>
  `times in the file carry no zone; read as ${zone} (give TZ=... to change)`;
export const exportFormat = (format: string) =>
  `unknown export format "${format}" (one of parquet, arrow, csv)`;
export const exportWrote = (path: string, rows: number) => `${path}: wrote ${rows} rows`;

// Load-tool summaries (src/importers/load-summary.ts and one file per tool)
export const loadNotFile = (tool: string) => `a ${tool} summary is a file, not a folder`;
export const loadTooLarge = (tool: string) => `larger than any ${tool} summary (16 MiB); not a summary`;
export const loadBadJson = (tool: string, reason: string) => `not a ${tool} summary: ${reason}`;
export const loadBadLine = (tool: string, expected: string) =>
  `cannot read this ${tool} line (expected ${expected})`;
export const loadMissing = (tool: string, figure: string) => `the ${tool} summary has no ${figure}`;
export const loadStartFromMtime = (tool: string) =>
  `no --start given and ${tool} prints no clock time: the run is placed at the file's modification time minus its duration (the report counts its requests in the deployment's load phase instead); give --start for exact times`;
export const loadBadRunTime = (tool: string, seconds: number) =>
  `the ${tool} summary's run time (${seconds} s) is not that of a load test (0 s to a year)`;
export const loadBadCount = (tool: string, count: number) =>
  `the ${tool} summary's request count ${count} is not a whole number of requests`;
export const loadDurationFromRate = (tool: string) =>
  `${tool} prints no run time: the duration is its request count divided by its requests per second`;

// PromQL (src/promql/)
type QueryPos = { line: number; column: number };
export const promqlSyntax = (pos: QueryPos, detail: string) =>
  `PromQL syntax error at ${pos.line}:${pos.column}: ${detail}`;
export const promqlUnsupported = (pos: QueryPos, construct: string) =>
  `unsupported PromQL at ${pos.line}:${pos.column}: ${construct} is not supported (see docs/promql.md)`;
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
export const promqlArgCountRange = (func: string, min: number, max: number, got: number) =>
  `expected ${min} to ${max} argument(s) in call to "${func}", got ${got}`;
export const promqlArgCountMin = (func: string, min: number, got: number) =>
  `expected at least ${min} argument(s) in call to "${func}", got ${got}`;
export const promqlAggParamType = (op: string, expected: string, got: string) =>
  `expected type ${expected} in aggregation parameter of ${op}, got ${got}`;
export const promqlScalarComparison = () => 'comparisons between scalars must use BOOL modifier';
export const promqlBoolNotComparison = () => 'bool modifier can only be used on comparison operators';
export const promqlSetOperatorScalar = (op: string) =>
  `set operator "${op}" not allowed in binary scalar expression`;
export const promqlSetOperatorGrouping = (op: string) => `no grouping allowed for "${op}" operation`;
export const promqlLabelBothSides = (label: string) =>
  `label "${label}" must not occur in ON and GROUP clause at once`;
export const promqlModifierTwice = (modifier: string) => `${modifier} may not be set multiple times`;
export const promqlAtTarget = () =>
  '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery';
export const promqlAtTime = (text: string) => `cannot read ${JSON.stringify(text)} as an @ time`;
export const promqlBadLabelName = (name: string) => `invalid label name ${JSON.stringify(name)}`;
export const promqlUnknownFunction = (name: string) => `unknown function with name ${JSON.stringify(name)}`;
export const promqlNegativeDuration = () => 'duration must be greater than 0';
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
export const unknownDeployment = (option: string, name: string, db: string, known: readonly string[]) =>
  `${option}: no deployment "${name}" in ${db} (${known.length > 0 ? `deployments: ${known.join(', ')}` : 'it holds none'})`;
export const promqlTimeOptions = () => 'give either --time, or --start, --end and --step';
export const promqlUnknownSemantics = (text: string, known: readonly string[]) =>
  `--semantics: unknown "${text}" (one of ${known.join(', ')})`;
export const promqlDuplicateSeries = (labels: string) =>
  `vector cannot contain metrics with the same labelset ${labels}`;
export const promqlManyToMany = () =>
  'found duplicate series for the match group on the right hand-side of the operation; many-to-many matching not allowed: matching labels must be unique on one side';
export const promqlManyToOne = () =>
  'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)';

// Models and report (src/models/, src/report/)
export const notebookUnclosedFence = () => 'code block is never closed (missing ```)';
export const notebookUnknownBlock = (kind: string, known: readonly string[]) =>
  `unknown block type "${kind}" (one of ${known.join(', ')})`;
export const notebookMissingName = (kind: string) =>
  `a \`\`\`${kind} block needs a name, e.g. \`\`\`${kind} pool_cpu`;
export const notebookReservedName = (name: string) =>
  `query name "${name}" is a table of the database; a query of that name would hide it (choose another name)`;
export const notebookBadName = (name: string) =>
  `"${name}" is not a valid query name (letters, digits and _, not starting with a digit)`;
export const notebookDuplicateName = (name: string, line: number) =>
  `query "${name}" is already defined at line ${line}`;
export const notebookUnknownQuery = (name: string, known: readonly string[]) =>
  `unknown query "${name}" (defined: ${known.length > 0 ? known.join(', ') : 'none'})`;
export const notebookSqlFailed = (name: string, reason: string) =>
  `query "${name}" failed: ${firstLine(reason)}`;
export const notebookBadSpec = (reason: string) => `Vega-Lite block: ${firstLine(reason)}`;
export const notebookSpecNeedsData = () =>
  'Vega-Lite block: set "data": {"name": "<query>"} to the name of a sql block';
export const notebookNotFound = (path: string) => `${path}: no such notebook`;
export const reportUnknownBaseline = (name: string, known: readonly string[]) =>
  `--baseline: no deployment "${name}" (deployments: ${known.join(', ')})`;
export const reportNoDeployments = () =>
  'the database holds no deployment with process, process-tree or container data to report on';
export const reportNothingRecognised = (path: string) =>
  `${path}: neither a deployment (no file in a known format) nor a folder of deployments (no subfolders)`;
export const reportDuplicateDeployment = (name: string, first: string, second: string) =>
  `two inputs are both deployment "${name}" (${first} and ${second}); rename one folder`;
export const reportStartNeedsDeployment = (text: string, known: readonly string[]) =>
  `--start ${text}: there are ${known.length} deployments (${known.join(', ')}); name one: --start <deployment>=<time>`;
export const reportStartTwice = (name: string) => `--start: deployment "${name}" is given twice`;
export const reportBadWorkers = (text: string) =>
  `--workers: cannot read "${text}" (expected a worker count from 1 to 100000, or several separated by commas)`;
export const reportStartWithDb = () =>
  '--start places the files a one-shot report imports; with --db, give it to trace-analyze import';
export const reportDbAndPaths = () => 'give either --db or input folders, not both';
export const reportNothingToRead = () =>
  'give input folders or files (one deployment each, or a folder of deployment folders) or --db <file>';
export const badSourceDateEpoch = (text: string) =>
  `SOURCE_DATE_EPOCH: "${text}" is not a whole number of unix seconds`;
export const reportWritten = (path: string, bytes: number) => `${path}: report written (${bytes} bytes)`;
export const reportDefaultExists = (path: string) =>
  `${path} exists: on a terminal the report goes to ${path} unless -o names a file (-o ${path} to replace it, -o - for the terminal)`;
export const reportSkipped = (path: string, skipped: readonly string[]) =>
  `${path}: skipped ${skipped.length} file${skipped.length === 1 ? '' : 's'} in no known format (${someNames(skipped)})`;
export const poolScrapeGaps = (count: number, longestSeconds: number) =>
  `${count} scrape gap(s) longer than 3 scrape intervals while processes were alive (longest ${longestSeconds.toFixed(1)} s); figures over those stretches are interpolated`;
export const poolShortPhase = (name: string, seconds: number) =>
  `phase "${name}" lasts ${seconds.toFixed(1)} s, less than 4 scrape intervals: its rates rest on too few samples`;
export const poolMissingPss = (sources: string) =>
  `no PSS for this deployment (memory from ${sources}): its RSS sums count shared pages once per process and are not comparable with PSS sums`;
export const poolMissingUss = (sources: string) =>
  `no USS for this deployment (memory from ${sources}): private vs shared memory per worker is unknown`;
export const poolPidChurn = (replaced: number) =>
  `${replaced} worker(s) exited while the deployment ran and were replaced (new pids, new series); their CPU counts for the time they ran`;
export const poolWorkersLost = (lost: number, pids: string, shortSeconds: number) =>
  `${lost} worker(s) exited while the deployment ran and were never replaced (pid ${pids}): the pool ran short from then until the stop (up to ${shortSeconds.toFixed(1)} s); their CPU counts for the time they ran`;
export const poolCounterResets = (count: number) =>
  `${count} per-process CPU counter reset(s) without a process restart: one series may be mixing several processes (e.g. a load balancer in front of /metrics)`;
export const poolUnknownKind = (count: number, metrics: string) =>
  `${count} CPU series of unknown kind (${metrics}) were treated as counters because the metric catalog names them so`;
export const poolSourceDisagreement = (what: string, relDiff: number) =>
  `sources disagree on ${what}: median relative difference ${(relDiff * 100).toFixed(1)} %`;
export const poolNoStartup = () =>
  'startup not detected: some worker never went below the settle threshold (give --ready <time>)';
export const poolHostSaturated = (phases: string, count: number, idleCores: number, hostCores: number) =>
  `host saturated in ${count === 1 ? 'phase' : 'phases'} ${phases}: at most ${idleCores.toFixed(2)} of its ${hostCores} cores idle on average; CPU there measures the capacity left, not the cost of the work (compare CPU per request and throughput)`;
export const poolContainerThrottled = (phases: string, count: number, ratio: number) =>
  `container CPU quota exhausted in ${count === 1 ? 'phase' : 'phases'} ${phases}: throttled in at least ${(ratio * 100).toFixed(0)} % of its CFS periods; CPU there measures the quota, not the cost of the work (compare CPU per request and throughput)`;
export const poolRequestsAttributed = (file: string, requests: number, phase: string) =>
  `${file} has no clock time: its ${requests} requests are attributed to the load phase (${phase}); give --start for exact times`;
export const poolTimeRangeMismatch = (seconds: number, baseline: string, baselineSeconds: number) =>
  `observed for ${seconds.toFixed(0)} s in steady state, baseline "${baseline}" for ${baselineSeconds.toFixed(0)} s: the deployments' time ranges differ by more than 25 %`;
export const poolUnknownBaseline = (name: string, known: readonly string[]) =>
  `--baseline: no deployment named "${name}" (known: ${known.join(', ')})`;
export const poolUnknownDeployment = (option: string, name: string, known: readonly string[]) =>
  `${option}: no deployment named "${name}" (known: ${known.join(', ')})`;
export const poolBadPhase = (text: string) =>
  `--phase: cannot read "${text}" (expected [deployment/]name=start..end, times absolute or durations from the deployment's start)`;
export const poolEmptyPhase = (text: string) => `--phase: "${text}" ends before it starts`;

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

// experiment (src/experiment/, src/cli/experiment.ts)
export const experimentBadDeployment = (text: string) =>
  `--deployment: "${text}" is not name=command (a name of letters, digits, ".", "_", "-", then "=" and the command)`;
export const experimentDuplicateDeployment = (name: string) => `--deployment: "${name}" is given twice`;
export const experimentLoadChoice = () =>
  'experiment needs a load: --load <command>, or --rate <n> and --duration <dur> for the built-in load (not both)';
export const experimentBadUrl = (option: string, text: string) =>
  `${option}: "${text}" is not an http:// URL`;
export const experimentBadEnv = (text: string) => `--env: "${text}" is not K=V`;
export const experimentBadCount = (option: string, text: string) =>
  `${option}: "${text}" is not a positive whole number`;
export const experimentKillAfterLoad = (killAt: string, duration: string) =>
  `--kill-worker-at ${killAt} is not within the load's --duration ${duration}`;
export const experimentOutNotEmpty = (dir: string) =>
  `${dir}: the experiment's folder must be new or empty (an earlier experiment's files would be reported with this one's)`;
export const experimentPortInUse = (run: string, host: string, port: number) =>
  `${run}: ${host}:${port} is already in use before the start (another server, or a leftover one); stop it first`;
export const experimentCannotStart = (run: string, detail: string) =>
  `${run}: cannot start the command: ${detail}`;
export const experimentServerExited = (run: string, when: string, code: number | string | null) =>
  `${run}: the server exited ${when} (${typeof code === 'number' ? `exit code ${code}` : `signal ${code ?? 'unknown'}`}); its output is in server.stderr`;
export const experimentNotReady = (run: string, url: string, seconds: number) =>
  `${run}: ${url} did not answer 2xx within ${seconds} s (--ready-timeout)`;
export const experimentLoadFailed = (run: string, detail: string) =>
  `${run}: the load failed: ${firstLine(detail)}`;
export const experimentStuck = (run: string, pids: number[]) =>
  `${run}: process(es) ${pids.join(', ')} still running 10 s after SIGKILL (uninterruptible?); the experiment stops here`;
export const experimentNoWorker = (master: number) => `no running worker (child of ${master}) to kill`;
export const experimentInterrupted = () => 'interrupted (SIGINT/SIGTERM); every process started was stopped';
export const experimentStopped = (reason: string, completed: number, dir: string) =>
  completed > 0
    ? `experiment stopped: ${reason}; the report covers the ${completed} completed run(s) (${dir})`
    : `experiment stopped: ${reason}; no run completed, so there is no report`;
export const reportNoCompletedRuns = (dir: string) =>
  `${dir}: the experiment has no completed run to report on`;
export const timelineBad = (detail: string) => `not a readable experiment timeline: ${firstLine(detail)}`;
export const experimentDone = (dir: string, runs: number, report: string) =>
  `${dir}: ${runs} run(s) completed; report in ${report}`;

// Query
export const sqlFailed = (reason: string) => `query failed: ${firstLine(reason)}`;

export function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? text;
  return line.trim();
}
