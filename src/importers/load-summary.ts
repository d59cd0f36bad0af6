import { basename } from 'node:path';
import { InputError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { SampleBuffer, type ImportBatch, type SeriesDef } from '../store/batch.js';
import type { ImportContext } from './importer.js';
import { readLines, type TextLine } from './lines.js';
import type { FileSource, Source } from './source.js';

/**
 * What a load tool's end-of-run summary says about the work a server did, in one shape for
 * every tool (wrk, hey, ApacheBench, k6, locust, autocannon; one importer file each). A summary
 * is not a time series: it becomes three series over the run, so PromQL and the models read it
 * like any other counter (`increase(loadgen_requests_total[...])` is the requests served):
 *
 * - `loadgen_requests_total` (counter): 0 at the start of the run, the responses received (any
 *   status) at its end;
 * - `loadgen_errors_total` (counter): the same for failed requests — responses with status
 *   400 or above and requests that got no response (connect/read errors, timeouts), as far as
 *   the tool tells them apart; absent when the tool does not count them;
 * - `loadgen_latency_seconds{quantile}` (gauge) at the end: each latency quantile the tool
 *   printed (its maximum as quantile "1"), and `loadgen_latency_mean_seconds`.
 *
 * Labels: `tool`, `file` (the summary's file name) and `target` (the URL, where printed).
 * Placement in time: --start (the load's start) when given, else the tool's own clock
 * (autocannon prints its start), else the file's modification time minus the run's duration,
 * recorded as a warning.
 */
export interface LoadSummary {
  tool: string;
  target?: string;
  durationSeconds: number;
  responses: number;
  errors?: number;
  /** [quantile in 0..1, seconds], as printed. */
  latency: [number, number][];
  latencyMeanSeconds?: number;
  /** Start of the run by the tool's own clock, unix ms. */
  startMs?: number;
  warnings?: string[];
}

/** Summaries are a few kilobytes; a larger file is not one (and is not read whole into memory). */
const MAX_SUMMARY_BYTES = 16 * 1024 * 1024;

/** Longer than any load test: a run time beyond it is a misread, not a run. */
const MAX_RUN_SECONDS = 366 * 24 * 3600;

export function summaryBatch(summary: LoadSummary, source: FileSource, context: ImportContext): ImportBatch {
  if (!(summary.durationSeconds >= 0 && summary.durationSeconds <= MAX_RUN_SECONDS))
    throw new InputError(source.path, undefined, msg.loadBadRunTime(summary.tool, summary.durationSeconds));
  for (const n of [summary.responses, summary.errors ?? 0])
    if (!Number.isSafeInteger(n))
      throw new InputError(source.path, undefined, msg.loadBadCount(summary.tool, n));
  const warnings = [...(summary.warnings ?? [])];
  // At least 1 ms, so the counters' two samples never share a timestamp.
  const durationMs = Math.max(1, Math.round(summary.durationSeconds * 1000));
  let start = context.start ?? summary.startMs;
  if (start === undefined) {
    start = Math.round(source.mtimeMs - durationMs);
    warnings.push(msg.loadStartFromMtime(summary.tool));
  }
  const end = start + durationMs;

  const labels: Record<string, string> = { tool: summary.tool, file: basename(source.path) };
  if (summary.target !== undefined) labels.target = summary.target;
  const series: SeriesDef[] = [];
  const buffer = new SampleBuffer(16);
  const add = (metric: string, extra: Record<string, string>, kind: 'counter' | 'gauge', unit: string) => {
    series.push({ ref: series.length, metric, labels: { ...labels, ...extra }, kind, unit });
    return series.length - 1;
  };
  const counter = (metric: string, value: number) => {
    const ref = add(metric, {}, 'counter', 'requests');
    buffer.push(ref, start, 0);
    buffer.push(ref, end, value);
  };
  counter('loadgen_requests_total', summary.responses);
  if (summary.errors !== undefined) counter('loadgen_errors_total', summary.errors);
  for (const [quantile, seconds] of summary.latency)
    buffer.push(
      add('loadgen_latency_seconds', { quantile: quantileLabel(quantile) }, 'gauge', 'seconds'),
      end,
      seconds,
    );
  if (summary.latencyMeanSeconds !== undefined)
    buffer.push(add('loadgen_latency_mean_seconds', {}, 'gauge', 'seconds'), end, summary.latencyMeanSeconds);
  return { series, samples: buffer.take(), warnings };
}

/** A quantile as Prometheus client libraries write it: 0.5, 0.99, 0.999, 1. */
export function quantileLabel(quantile: number): string {
  return String(Number(quantile.toPrecision(12)));
}

/** The summary file (a folder is an error). */
export function summaryFile(source: Source, tool: string): FileSource {
  if (source.kind !== 'file') throw new InputError(source.path, undefined, msg.loadNotFile(tool));
  return source;
}

/** Every line of a summary (at most MAX_SUMMARY_BYTES of text). */
export async function summaryLines(source: FileSource, tool: string): Promise<TextLine[]> {
  const lines: TextLine[] = [];
  let bytes = 0;
  for await (const line of readLines(source.path, source.open())) {
    bytes += line.text.length + 1;
    if (bytes > MAX_SUMMARY_BYTES)
      throw new InputError(source.path, { line: line.line }, msg.loadTooLarge(tool));
    lines.push(line);
  }
  return lines;
}

/** A summary that is one JSON document (k6, autocannon), parsed whole: it is small. */
export async function summaryJson(source: FileSource, tool: string): Promise<unknown> {
  const text = (await summaryLines(source, tool)).map((l) => l.text).join('\n');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(source.path, undefined, msg.loadBadJson(tool, (e as Error).message));
  }
}

/** The first PROBE bytes as text, for detect(). */
export function headText(source: Source): string | undefined {
  return source.kind === 'file' ? source.head.toString('utf8') : undefined;
}

/** Seconds from a value in a unit; sub-second units divide, so 3.58 ms is exactly 0.00358. */
const TIME_UNITS: Record<string, (v: number) => number> = {
  us: (v) => v / 1e6,
  µs: (v) => v / 1e6,
  ms: (v) => v / 1e3,
  s: (v) => v,
  sec: (v) => v,
  secs: (v) => v,
  seconds: (v) => v,
  m: (v) => v * 60,
  h: (v) => v * 3600,
};

/** A duration as load tools print it (`4.53ms`, `3.03s`, `850.00us`, `1.20m`, `0.0035 secs`), in seconds. */
export function parseToolDuration(text: string): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]*)?)\s*(us|µs|ms|s|secs?|seconds|m|h)$/.exec(text.trim());
  return m ? TIME_UNITS[m[2]!]!(Number(m[1])) : undefined;
}

/** An InputError for a summary line the parser needed and could not read. */
export function badLine(source: Source, line: TextLine, tool: string, expected: string): InputError {
  return new InputError(source.path, { line: line.line }, msg.loadBadLine(tool, expected));
}

/** The error for a summary in which a required figure was not found at all. */
export function missingFigure(source: Source, tool: string, figure: string): InputError {
  return new InputError(source.path, undefined, msg.loadMissing(tool, figure));
}
