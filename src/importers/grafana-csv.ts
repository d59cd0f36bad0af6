import { isUtf8 } from 'node:buffer';
import Papa from 'papaparse';
import { InputError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { secondsTextToMs } from '../base/time.js';
import { SampleBuffer, emptySamples, type ImportBatch, type SeriesDef } from '../store/batch.js';
import { parseGoFloat, parseSampleLine } from './exposition.js';
import type { Importer } from './importer.js';
import { kindFromName } from './kind.js';
import type { FileSource, Source } from './source.js';

/**
 * grafana-csv: a panel's "Inspect → Data → Download CSV". A Time column, then one column per
 * series (one series per file, or "Series joined by time" with blanks where a series has no
 * sample). "Formatted data" writes local time strings and values with units (`1.23 GiB`, `45.6%`,
 * `12 ms`), which are read back into base units (bytes, seconds, percent as shown); otherwise
 * epoch ms and plain numbers. `,` `;` and tab delimiters (and an Excel `sep=` line); UTF-8 or
 * UTF-16 with a byte order mark ("Download for Excel").
 *
 * Read with papaparse over the whole decoded text: docs/formats.md has the measurement
 * against DuckDB's read_csv behind that choice.
 */
export const grafanaCsv: Importer = {
  format: 'grafana-csv',
  detect(source: Source): boolean {
    if (source.kind !== 'file') return false;
    const text = decodeHead(source.head);
    const lines = text.replace(/^sep=.\r?\n/, '').split(/\r?\n/);
    if (lines.length < 2) return false;
    const first = /^"?([^"\t,;]*)"?[\t,;]/.exec(lines[0]!);
    return first !== null && TIME_HEADER.test(first[1]!.trim());
  },
  async *parse(source: Source) {
    if (source.kind !== 'file') throw new Error('grafana-csv reads files');
    yield* parseGrafanaCsv(source);
  },
};

const TIME_HEADER = /^(time|timestamp|date|datetime)$/i;

/** The encoding by byte order mark (UTF-16LE/BE, UTF-8); UTF-16LE without a mark is recognised by its zero bytes. */
function encodingOf(bytes: Buffer): { encoding: 'utf-8' | 'utf-16le' | 'utf-16be'; skip: number } {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', skip: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', skip: 2 };
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { encoding: 'utf-8', skip: 3 };
  if (bytes.length >= 4 && bytes[1] === 0 && bytes[3] === 0 && bytes[0] !== 0)
    return { encoding: 'utf-16le', skip: 0 };
  return { encoding: 'utf-8', skip: 0 };
}

/**
 * The whole file as text. Bytes that are not text in its encoding are an error naming the line
 * (never replaced by U+FFFD: a label value would silently change).
 */
function decodeFile(path: string, bytes: Buffer): string {
  const { encoding, skip } = encodingOf(bytes);
  const body = bytes.subarray(skip);
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    throw new InputError(path, { line: badTextLine(body, encoding) }, msg.notText(encoding));
  }
}

/** The line of the first byte sequence that is not text in the encoding (1-based). */
function badTextLine(body: Buffer, encoding: 'utf-8' | 'utf-16le' | 'utf-16be'): number {
  let line = 1;
  if (encoding === 'utf-8') {
    for (let start = 0; start < body.length; line++) {
      const lf = body.indexOf(0x0a, start);
      const end = lf < 0 ? body.length : lf;
      if (!isUtf8(body.subarray(start, end))) return line;
      start = end + 1;
    }
    return line;
  }
  const unit = (i: number) => (encoding === 'utf-16le' ? body.readUInt16LE(i) : body.readUInt16BE(i));
  for (let i = 0; i + 1 < body.length; i += 2) {
    const u = unit(i);
    if (u === 0x0a) line++;
    else if (u >= 0xd800 && u <= 0xdbff) {
      const next = i + 3 < body.length ? unit(i + 2) : 0;
      if (next < 0xdc00 || next > 0xdfff) return line;
      i += 2;
    } else if (u >= 0xdc00 && u <= 0xdfff) return line;
  }
  return line; // an odd byte at the end
}

/** The first bytes as text, for detection (lenient: a character cut at the end is no error). */
function decodeHead(head: Buffer): string {
  const { encoding, skip } = encodingOf(head);
  const body = head.subarray(skip);
  return new TextDecoder(encoding).decode(encoding === 'utf-8' ? body : body.subarray(0, body.length & ~1));
}

/** Units Grafana's value formats write, to base units (bytes, seconds; percent and counts as shown). */
const UNIT_SCALE: Record<string, [number, string]> = {
  B: [1, 'bytes'],
  KiB: [2 ** 10, 'bytes'],
  MiB: [2 ** 20, 'bytes'],
  GiB: [2 ** 30, 'bytes'],
  TiB: [2 ** 40, 'bytes'],
  PiB: [2 ** 50, 'bytes'],
  kB: [1e3, 'bytes'],
  MB: [1e6, 'bytes'],
  GB: [1e9, 'bytes'],
  TB: [1e12, 'bytes'],
  PB: [1e15, 'bytes'],
  ns: [1e-9, 'seconds'],
  µs: [1e-6, 'seconds'],
  us: [1e-6, 'seconds'],
  ms: [1e-3, 'seconds'],
  s: [1, 'seconds'],
  min: [60, 'seconds'],
  hour: [3600, 'seconds'],
  h: [3600, 'seconds'],
  day: [86400, 'seconds'],
  d: [86400, 'seconds'],
  '%': [1, 'percent'],
  K: [1e3, ''],
  Mil: [1e6, ''],
  Bil: [1e9, ''],
  Tri: [1e12, ''],
};

const NUMBER_WITH_UNIT = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(.*)$/;

interface Column {
  ref: number;
  unit: string | null;
}

async function* parseGrafanaCsv(source: FileSource): AsyncGenerator<ImportBatch> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of source.open() as AsyncIterable<Buffer>) chunks.push(chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException)?.code?.startsWith('Z_'))
      throw new InputError(source.path, undefined, msg.notGzip());
    throw e;
  }
  let text = decodeFile(source.path, Buffer.concat(chunks));
  let lineOffset = 0;
  let delimiter = '';
  const sep = /^sep=(.)\r?\n/.exec(text);
  if (sep) {
    delimiter = sep[1]!;
    text = text.slice(sep[0].length);
    lineOffset = 1;
  }

  const batches: ImportBatch[] = [];
  const samples = new SampleBuffer();
  let series: SeriesDef[] = [];
  const columns: Column[] = [];
  const warnings: string[] = [];
  let localTimes = false;
  let failure: InputError | undefined;
  // Line numbers from Papa's cursor: count the line breaks consumed so far.
  let scanned = 0;
  let line = 1 + lineOffset;
  const lineAt = (cursor: number) => {
    for (; scanned < cursor && scanned < text.length; scanned++) if (text.charCodeAt(scanned) === 10) line++;
    return line;
  };
  let rowStart = 0;
  let row = 0;

  Papa.parse<string[]>(text, {
    delimiter,
    delimitersToGuess: [',', ';', '\t'],
    skipEmptyLines: true,
    step(results, parser) {
      const at = lineAt(rowStart);
      rowStart = results.meta.cursor;
      const fields = results.data;
      try {
        if (row++ === 0) {
          if (!TIME_HEADER.test((fields[0] ?? '').trim()))
            throw new InputError(source.path, { line: at }, msg.csvNoTimeColumn());
          fields.slice(1).forEach((header, i) => {
            const def = seriesFromHeader(header.trim(), i);
            series.push(def);
            columns.push({ ref: def.ref, unit: null });
          });
          return;
        }
        const timeText = (fields[0] ?? '').trim();
        const time = parseTime(timeText);
        if (time === undefined) throw new InputError(source.path, { line: at }, msg.csvBadTime(timeText));
        if (time.local) localTimes = true;
        for (let i = 0; i < columns.length; i++) {
          const cell = (fields[i + 1] ?? '').trim();
          if (cell === '') continue;
          const parsed = parseCell(cell);
          if (parsed === undefined) throw new InputError(source.path, { line: at }, msg.csvBadValue(cell));
          const column = columns[i]!;
          if (parsed.unit !== null && column.unit === null) {
            column.unit = parsed.unit;
            const def = series.find((s) => s.ref === column.ref);
            if (def) def.unit = parsed.unit || null;
          }
          samples.push(column.ref, time.ms, parsed.value);
          if (samples.full) {
            batches.push({ series, samples: samples.take() });
            series = [];
          }
        }
      } catch (e) {
        failure = e instanceof InputError ? e : new InputError(source.path, { line: at }, String(e));
        parser.abort();
      }
    },
  });
  if (failure) throw failure;
  if (row === 0) throw new InputError(source.path, undefined, msg.emptyInput());
  if (localTimes) warnings.push(msg.csvLocalTime(Intl.DateTimeFormat().resolvedOptions().timeZone));
  batches.push({ series, samples: samples.length > 0 ? samples.take() : emptySamples(), warnings });
  yield* batches;
}

/**
 * A column header: Grafana's display name `metric{a="b", c="d"}` gives metric and labels; a
 * series without `__name__` (an expression such as rate()) is named by its label set alone,
 * `{a="b", c="d"}` (Grafana's formatLabels, packages/grafana-data/src/utils/labels.ts): labels
 * and an empty metric name, as prom-json keeps it. Any other text is the metric name.
 */
function seriesFromHeader(header: string, ref: number): SeriesDef {
  if (/^([a-zA-Z_:][a-zA-Z0-9_:]*)?\{.*\}$|^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(header)) {
    const named = seriesName(`${header} 0`);
    if (named) return { ref, metric: named.name, labels: named.labels, kind: kindFromName(named.name) };
    const unnamed = header.startsWith('{') ? seriesName(`_${header} 0`) : undefined;
    if (unnamed) return { ref, metric: '', labels: unnamed.labels, kind: 'unknown' };
  }
  return { ref, metric: header, labels: {}, kind: 'unknown' };
}

/** Name and labels of a sample line, or undefined when the header is not a series name after all. */
function seriesName(line: string): { name: string; labels: Record<string, string> } | undefined {
  try {
    return parseSampleLine(line);
  } catch {
    return undefined;
  }
}

/** Epoch ms (raw export), epoch seconds, or a date-time: with a zone as given, without one in local time. */
function parseTime(text: string): { ms: number; local: boolean } | undefined {
  if (/^-?\d{12,}$/.test(text)) return { ms: Number(text), local: false };
  if (/^-?\d+(\.\d+)?$/.test(text)) {
    const ms = secondsTextToMs(text);
    return ms === undefined ? undefined : { ms, local: false };
  }
  const m =
    /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(
      text,
    );
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '0', frac = '0', zone] = m;
  const ms = Number(frac.padEnd(3, '0'));
  if (zone) {
    const parsed = Date.parse(
      `${y}-${mo}-${d}T${h}:${mi}:${s.padStart(2, '0')}.${String(ms).padStart(3, '0')}${zone}`,
    );
    return Number.isNaN(parsed) ? undefined : { ms: parsed, local: false };
  }
  const local = new Date(
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h),
    Number(mi),
    Number(s),
    ms,
  ).getTime();
  return Number.isNaN(local) ? undefined : { ms: local, local: true };
}

/** A cell: a number with an optional unit; known units scale to base units, others are kept as the unit text. */
function parseCell(cell: string): { value: number; unit: string | null } | undefined {
  const special = parseGoFloat(cell);
  if (special !== undefined) return { value: special, unit: null };
  const m = NUMBER_WITH_UNIT.exec(cell);
  if (!m) return undefined;
  const value = Number(m[1]);
  const unitText = m[2]!.replace(/\/s$/, '');
  if (m[2] === '') return { value, unit: null };
  const known = UNIT_SCALE[unitText];
  if (!known) return { value, unit: m[2]! };
  const perSecond = m[2]!.endsWith('/s') && m[2] !== '/s';
  return { value: value * known[0], unit: `${known[1]}${perSecond ? '_per_second' : ''}` };
}
