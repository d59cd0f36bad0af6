import { basename } from 'node:path';
import { InputError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { SampleBuffer, type ImportBatch, type MetricKind, type SeriesDef } from '../store/batch.js';
import type { ImportContext, Importer } from './importer.js';
import { readLines } from './lines.js';
import type { FileSource, Source } from './source.js';

/**
 * psrecord logs (https://github.com/astrofrog/psrecord): `--log` plain text (a `# Elapsed time
 * CPU (%) Real (MB) Virtual (MB) ...` header, then whitespace-separated columns) and
 * `--log-format csv` (`elapsed_time,nproc,cpu,mem_real,mem_virtual[,read_count,...]`).
 * Values are for the whole process tree; psrecord's "MB" is MiB (psutil bytes / 1024**2) and
 * its CPU % is summed over the tree (100 = one core). Times are seconds since psrecord started,
 * so the absolute start comes from --start, else the file's mtime minus the last elapsed time
 * (recorded as a warning).
 */

/** Lines psrecord prints on stdout; present when its stdout and log are the same file. */
const STATUS_LINE = /^(Attaching to process|Starting up command|Process finished)\b/;
const PLAIN_HEADER = /^#\s*Elapsed time\s/;
const CSV_HEADER = /^elapsed_time,/;

/** What a column becomes: the logged value times `scale`, divided by `divisor` (CPU % / 100 exactly, not × 0.01). */
interface ColumnTarget {
  metric: string;
  kind: MetricKind;
  unit: string;
  scale: number;
  divisor?: number;
}

const MIB = 1024 * 1024;

/** Column names, normalised (lower case, runs of non-alphanumerics → `_`), from both log formats. */
const COLUMNS: Record<string, ColumnTarget | 'time'> = {
  elapsed_time: 'time',
  cpu: { metric: 'process_tree_cpu_cores', kind: 'gauge', unit: 'cores', scale: 1, divisor: 100 },
  real_mb: { metric: 'process_tree_resident_memory_bytes', kind: 'gauge', unit: 'bytes', scale: MIB },
  mem_real: { metric: 'process_tree_resident_memory_bytes', kind: 'gauge', unit: 'bytes', scale: MIB },
  virtual_mb: { metric: 'process_tree_virtual_memory_bytes', kind: 'gauge', unit: 'bytes', scale: MIB },
  mem_virtual: { metric: 'process_tree_virtual_memory_bytes', kind: 'gauge', unit: 'bytes', scale: MIB },
  nproc: { metric: 'process_tree_processes', kind: 'gauge', unit: 'count', scale: 1 },
  read_count: { metric: 'process_tree_io_read_count_total', kind: 'counter', unit: 'count', scale: 1 },
  write_count: { metric: 'process_tree_io_write_count_total', kind: 'counter', unit: 'count', scale: 1 },
  read_bytes: { metric: 'process_tree_io_read_bytes_total', kind: 'counter', unit: 'bytes', scale: 1 },
  write_bytes: { metric: 'process_tree_io_write_bytes_total', kind: 'counter', unit: 'bytes', scale: 1 },
  read_mb: { metric: 'process_tree_io_read_bytes_total', kind: 'counter', unit: 'bytes', scale: MIB },
  write_mb: { metric: 'process_tree_io_write_bytes_total', kind: 'counter', unit: 'bytes', scale: MIB },
};

export function normaliseColumn(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** The first line that is neither blank nor a psrecord status line. */
function firstDataLine(head: Buffer): string | undefined {
  for (const line of head.toString('utf8').split('\n')) {
    const text = line.trim();
    if (text === '' || STATUS_LINE.test(text)) continue;
    return text;
  }
  return undefined;
}

/** Reads a number as Python's `%f`/`repr` writes it (`nan`, `inf` included). */
function parseNumber(text: string): number | undefined {
  if (/^[+-]?(inf|infinity)$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(text)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

interface Row {
  elapsed: number;
  values: number[];
}

export const psrecord: Importer = {
  format: 'psrecord',
  readsStart: true,

  detect(source: Source): boolean {
    if (source.kind !== 'file') return false;
    const line = firstDataLine(source.head);
    return line !== undefined && (PLAIN_HEADER.test(line) || CSV_HEADER.test(line));
  },

  async *parse(source: Source, context: ImportContext): AsyncIterable<ImportBatch> {
    if (source.kind !== 'file') throw new InputError(source.path, undefined, msg.psrecordNotFile());
    const { rows, header, headerLine } = await readRows(source);
    const warnings: string[] = [];

    const targets: (ColumnTarget | 'time' | undefined)[] = header.map(
      (name) => COLUMNS[normaliseColumn(name)],
    );
    const timeIndex = targets.indexOf('time');
    if (timeIndex < 0) throw new InputError(source.path, { line: headerLine }, msg.psrecordNoElapsed());
    header.forEach((name, i) => {
      if (targets[i] === undefined) warnings.push(msg.psrecordUnknownColumn(name));
    });

    const last = rows.length > 0 ? rows[rows.length - 1]!.elapsed : 0;
    let start = context.start;
    if (start === undefined) {
      start = Math.round(source.mtimeMs - last * 1000);
      warnings.push(msg.psrecordStartFromMtime(new Date(start).toISOString(), context.deployment));
    }

    const file = basename(source.path);
    const series: SeriesDef[] = [];
    const refs: number[] = targets.map((target) => {
      if (target === undefined || target === 'time') return -1;
      const found = series.find((s) => s.metric === target.metric);
      if (found) return found.ref;
      series.push({
        ref: series.length,
        metric: target.metric,
        labels: { file },
        kind: target.kind,
        unit: target.unit,
      });
      return series.length - 1;
    });

    const buffer = new SampleBuffer(Math.max(1, rows.length * series.length));
    for (const row of rows) {
      const ts = start + Math.round(row.elapsed * 1000);
      row.values.forEach((v, i) => {
        const target = targets[i];
        if (target === undefined || target === 'time') return;
        buffer.push(refs[i]!, ts, (v * target.scale) / (target.divisor ?? 1));
      });
    }
    yield { series, samples: buffer.take(), warnings };
  },
};

/** Reads every row (psrecord logs are small: one line per interval). */
async function readRows(source: FileSource): Promise<{ rows: Row[]; header: string[]; headerLine: number }> {
  // readLines, not node:readline: readline re-emits a stream error after the loop has stopped
  // (a rejected header, then a truncated gzip) as an 'error' event nobody listens to.
  const lines = readLines(source.path, source.open());
  let header: string[] | undefined;
  let headerLine = 0;
  let csv = false;
  let lineNo = 0;
  const rows: Row[] = [];
  let timeIndex = -1;
  for await (const { text: raw, line } of lines) {
    lineNo = line;
    const text = raw.trim();
    if (text === '' || STATUS_LINE.test(text)) continue;
    if (!header) {
      if (PLAIN_HEADER.test(text)) {
        // Plain headers are 12-character centred names separated by spaces: split on 2+ spaces.
        header = text.replace(/^#\s*/, '').split(/\s{2,}/);
      } else if (CSV_HEADER.test(text)) {
        header = text.split(',').map((s) => s.trim());
        csv = true;
      } else {
        throw new InputError(source.path, { line: lineNo }, msg.psrecordNoHeader());
      }
      headerLine = lineNo;
      timeIndex = header.findIndex((h) => normaliseColumn(h) === 'elapsed_time');
      continue;
    }
    const cells = csv ? text.split(',').map((s) => s.trim()) : text.split(/\s+/);
    if (cells.length !== header.length)
      throw new InputError(source.path, { line: lineNo }, msg.psrecordColumns(header.length, cells.length));
    const values = cells.map((cell, i) => {
      const v = parseNumber(cell);
      if (v === undefined)
        throw new InputError(source.path, { line: lineNo, column: i + 1 }, msg.psrecordBadNumber(cell));
      return v;
    });
    rows.push({ elapsed: values[timeIndex] ?? 0, values });
  }
  if (!header) throw new InputError(source.path, undefined, msg.psrecordNoHeader());
  return { rows, header, headerLine };
}
