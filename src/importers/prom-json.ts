import { InputError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { secondsTextToMs } from '../base/time.js';
import { SampleBuffer, emptySamples, type ImportBatch, type SeriesDef } from '../store/batch.js';
import type { Importer } from './importer.js';
import { JsonSyntaxError, JsonTokenizer, type ArrayScanner, type JsonHandler } from './json-tokenizer.js';
import { seriesMetadata, type MetadataMap } from './metadata.js';
import type { Source } from './source.js';

/**
 * The top-level key under which `trace-analyze pull` stores the /api/v1/metadata of the pulled
 * metrics (same shape as that endpoint's `data`), before `data`, so the importer knows each
 * family's TYPE, HELP and UNIT when a series arrives. Prometheus clients ignore unknown keys.
 */
export const METADATA_KEY = 'trace_analyze_metadata';

/**
 * A body that starts with its `data`: `{"data":{"resultType":"matrix"...` or, keys sorted,
 * `{"data":{"result":[{"metric":...` (a scalar result is `[<time>, "<value>"]`).
 */
const DATA_FIRST =
  /^\{\s*"data"\s*:\s*\{\s*("resultType"\s*:\s*"(matrix|vector|scalar|string)"|"result"\s*:\s*\[\s*(\]|-?[\d.]|\{\s*"(metric|values?|histograms?)"\s*:))/;

/**
 * prom-json: bodies of Prometheus' HTTP API (/api/v1/query and /api/v1/query_range):
 * matrix (query_range, or raw samples from a range selector in an instant query), vector and
 * scalar. Read as a token stream, so memory does not grow with the file.
 */
export const promJson: Importer = {
  format: 'prom-json',
  detect(source: Source): boolean {
    if (source.kind !== 'file') return false;
    const head = source.head.toString('utf8', 0, Math.min(source.head.length, 4096)).trimStart();
    if (!head.startsWith('{')) return false;
    // `status` may come last (Go's encoding/json, jq -S and Python's sort_keys order keys, so
    // `data` comes first): then the start of `data` is what says it is an API body.
    return /"status"\s*:\s*"(success|error)"/.test(head) || DATA_FIRST.test(head);
  },
  parse(source: Source) {
    if (source.kind !== 'file') throw new Error('prom-json reads files');
    return parsePromJson(source.path, source.open());
  },
};

/** Parses a Prometheus API body from a byte stream. */
export async function* parsePromJson(
  path: string,
  stream: AsyncIterable<Buffer>,
): AsyncGenerator<ImportBatch> {
  const reader = new PromBodyReader();
  const tokenizer = new JsonTokenizer(reader);
  const fail = (e: unknown, offset: number): never => {
    if (e instanceof InputError) throw e;
    if (e instanceof JsonSyntaxError) throw new InputError(path, { offset: e.offset }, e.message);
    if (e instanceof BodyError) throw new InputError(path, { offset }, e.message);
    if ((e as NodeJS.ErrnoException)?.code?.startsWith('Z_'))
      throw new InputError(path, { offset }, msg.notGzip());
    throw e;
  };
  try {
    for await (const chunk of stream) {
      try {
        tokenizer.write(chunk);
      } catch (e) {
        fail(e, tokenizer.offset);
      }
      if (reader.ready()) yield reader.take();
    }
    tokenizer.end();
    reader.finish();
  } catch (e) {
    fail(e, tokenizer.offset);
  }
  yield reader.take();
}

class BodyError extends Error {}

type Frame =
  | 'root'
  | 'data'
  | 'result' // the data.result array
  | 'series' // one element of result (matrix or vector)
  | 'metric' // series.metric
  | 'values' // series.values
  | 'pair' // [ts, "value"] inside values, series.value or a scalar result
  | 'warnings'
  | 'meta' // the METADATA_KEY object
  | 'metaList' // the entries of one metric family
  | 'metaEntry' // one { type, help, unit } entry
  | 'skip'; // anything we do not read (histograms, stats, unknown keys)

/** Interprets the token stream of one API body; see the Prometheus HTTP API docs for the shape. */
class PromBodyReader implements JsonHandler {
  private readonly frames: Frame[] = [];
  private pendingKey: string | null = null;
  private status: string | null = null;
  private errorType = '';
  private error = '';
  private resultType: string | null = null;
  private readonly warnings: string[] = [];
  private pendingWarnings = 0;

  private readonly samples = new SampleBuffer();
  private newSeries: SeriesDef[] = [];
  private nextRef = 0;
  private seriesRef = -1;
  private seriesDeclared = false;
  private labels = Object.create(null) as Record<string, string>;
  private deferred: [number, number][] = [];
  private skippedHistograms = 0;
  private pairTs: number | null = null;
  private pairValue: number | null = null;
  private pairIndex = 0;
  private sawData = false;
  /** A scalar result is itself one [ts, "value"] pair: data.result is read as the pair. */
  private scalar = false;
  private readonly metadata: MetadataMap = Object.create(null) as MetadataMap;
  private metaFamily = '';

  ready(): boolean {
    return this.samples.full;
  }

  take(): ImportBatch {
    const batch: ImportBatch = {
      series: this.newSeries,
      samples: this.samples.length > 0 ? this.samples.take() : emptySamples(),
    };
    if (this.warnings.length > this.pendingWarnings) {
      batch.warnings = this.warnings.slice(this.pendingWarnings);
      this.pendingWarnings = this.warnings.length;
    }
    this.newSeries = [];
    return batch;
  }

  finish(): void {
    if (this.status === 'error') throw new BodyError(msg.promApiError(this.errorType || 'error', this.error));
    if (this.status !== 'success' || !this.sawData) throw new BodyError(msg.promNotApiBody());
    if (this.skippedHistograms > 0) {
      this.warnings.push(`${this.skippedHistograms} native histogram samples skipped (float samples only)`);
    }
  }

  private top(): Frame | undefined {
    return this.frames[this.frames.length - 1];
  }

  private keyOf(): string | null {
    const k = this.pendingKey;
    this.pendingKey = null;
    return k;
  }

  openObject(): void {
    const top = this.top();
    const key = this.keyOf();
    if (top === undefined) this.frames.push('root');
    else if (top === 'root' && key === 'data') {
      this.sawData = true;
      this.frames.push('data');
    } else if (top === 'result') {
      this.beginSeries();
      this.frames.push('series');
    } else if (top === 'series' && key === 'metric') this.frames.push('metric');
    else if (top === 'root' && key === METADATA_KEY) this.frames.push('meta');
    else if (top === 'metaList' && !Object.hasOwn(this.metadata, this.metaFamily)) {
      // Only a family's first entry is used (Prometheus lists each distinct entry once; they rarely differ).
      this.metadata[this.metaFamily] = [{ type: '' }];
      this.frames.push('metaEntry');
    } else this.frames.push('skip');
  }

  openArray(): ArrayScanner | void {
    const top = this.top();
    const key = this.keyOf();
    if (top === 'data' && key === 'result') this.frames.push('result');
    else if (top === 'series' && key === 'values') {
      this.frames.push('values');
      if (this.seriesDeclared) return this.scanPairs;
    } else if ((top === 'series' && key === 'value') || top === 'values') this.beginPair();
    else if (top === 'root' && (key === 'warnings' || key === 'infos')) this.frames.push('warnings');
    else if (top === 'meta' && key !== null) {
      this.metaFamily = key;
      this.frames.push('metaList');
    } else {
      if (top === 'series' && (key === 'histograms' || key === 'histogram')) this.skippedHistograms++;
      this.frames.push('skip');
    }
  }

  close(): void {
    const frame = this.frames.pop();
    if (frame === 'metric') this.declareSeries(this.labels.__name__ ?? '');
    else if (frame === 'pair') this.endPair();
    else if (frame === 'series') {
      if (!this.seriesDeclared) this.declareSeries(this.labels.__name__ ?? '');
    } else if (frame === 'result' && this.scalar) this.endPair();
  }

  key(name: string): void {
    this.pendingKey = name;
  }

  string(value: string): void {
    const top = this.top();
    const key = this.keyOf();
    switch (top) {
      case 'root':
        if (key === 'status') this.status = value;
        else if (key === 'errorType') this.errorType = value;
        else if (key === 'error') this.error = value;
        return;
      case 'data':
        if (key === 'resultType') {
          if (value !== 'matrix' && value !== 'vector' && value !== 'scalar') {
            throw new BodyError(msg.promBadResultType(value));
          }
          this.resultType = value;
        }
        return;
      case 'metric':
        if (key !== null) this.labels[key] = value;
        return;
      case 'result':
      case 'pair':
        if (top === 'result' && !this.scalar) return;
        if (this.pairIndex++ !== 1)
          throw new BodyError(msg.promBadSample('expected [unix seconds, "value"]'));
        this.pairValue = parseValue(value);
        return;
      case 'warnings':
        this.warnings.push(msg.promWarning(value));
        return;
      case 'metaEntry': {
        const entry = this.metadata[this.metaFamily]![0]!;
        if (key === 'type' || key === 'help' || key === 'unit') entry[key] = value;
        return;
      }
      default:
        return;
    }
  }

  number(text: string): void {
    const top = this.top();
    this.keyOf();
    if (top === 'result' && !this.scalar && this.seriesRef < 0) {
      this.scalar = true;
      this.beginSeries();
      this.declareSeries('scalar');
      this.pairIndex = 0;
    }
    if (top !== 'pair' && !(top === 'result' && this.scalar)) return;
    if (this.pairIndex++ !== 0) throw new BodyError(msg.promBadSample('expected [unix seconds, "value"]'));
    const ts = secondsTextToMs(text);
    if (ts === undefined) throw new BodyError(msg.promBadTimestamp(text));
    this.pairTs = ts;
  }

  literal(): void {
    const top = this.top();
    this.keyOf();
    if (top === 'pair' || (top === 'result' && this.scalar))
      throw new BodyError(msg.promBadSample('expected [unix seconds, "value"]'));
  }

  /**
   * The fast path for `values`: compact `[1795792913.997,"0.01"]` pairs parsed straight from the
   * bytes (see scanPair). Anything else is left to the token-by-token path, which also reports errors.
   */
  private readonly scanPairs: ArrayScanner = (chunk, start, afterElement) => {
    let i = start;
    let needComma = afterElement;
    const ref = this.seriesRef;
    for (;;) {
      let p = i;
      if (needComma) {
        if (chunk[p] !== 0x2c) return i;
        p++;
      }
      const end = scanPair(chunk, p, pair);
      if (end < 0) return i;
      this.samples.push(ref, pair.ts, pair.value);
      i = end;
      needComma = true;
    }
  };

  private beginSeries(): void {
    this.seriesRef = this.nextRef++;
    this.seriesDeclared = false;
    // No prototype: a label named __proto__ is a label like any other, not a prototype change.
    this.labels = Object.create(null) as Record<string, string>;
    this.deferred = [];
  }

  private declareSeries(metric: string): void {
    const labels = { ...this.labels };
    delete labels.__name__;
    const { kind, help, unit } = seriesMetadata(metric, this.metadata);
    this.newSeries.push({ ref: this.seriesRef, metric, labels, kind, help, unit });
    this.seriesDeclared = true;
    for (const [ts, v] of this.deferred) this.samples.push(this.seriesRef, ts, v);
    this.deferred = [];
  }

  private beginPair(): void {
    this.frames.push('pair');
    this.pairIndex = 0;
    this.pairTs = null;
    this.pairValue = null;
  }

  private endPair(): void {
    if (this.pairTs === null || this.pairValue === null || this.pairIndex !== 2) {
      throw new BodyError(msg.promBadSample('expected [unix seconds, "value"]'));
    }
    if (this.seriesDeclared) this.samples.push(this.seriesRef, this.pairTs, this.pairValue);
    else this.deferred.push([this.pairTs, this.pairValue]);
  }
}

const pair = { ts: 0, value: 0 };
/** Exact powers of ten as doubles (10^0 .. 10^22 are exactly representable). */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * Parses one `[<unix seconds>,"<value>"]` at `p` into `out` and returns the index after it, or -1
 * when the bytes are not exactly that shape (or the pair is cut by the chunk end).
 * Timestamps become integer ms from their digits; values use the exact fast path of decimal
 * conversion (an integer mantissa below 2^53 divided by an exact power of ten is correctly
 * rounded, Clinger 1990), otherwise Number() on the text, as the slow path does.
 */
function scanPair(b: Buffer, p: number, out: { ts: number; value: number }): number {
  const n = b.length;
  if (p >= n || b[p] !== 0x5b /* [ */) return -1;
  p++;
  let seconds = 0;
  let digits = 0;
  while (p < n && b[p]! >= 0x30 && b[p]! <= 0x39) {
    seconds = seconds * 10 + (b[p]! - 0x30);
    p++;
    digits++;
  }
  // 12 digits of seconds keep the milliseconds exact (< 2^53); longer ones take the checked slow path.
  if (digits === 0 || digits > 12) return -1;
  let ms = seconds * 1000;
  if (b[p] === 0x2e /* . */) {
    p++;
    let scale = 100;
    let fraction = 0;
    while (p < n && b[p]! >= 0x30 && b[p]! <= 0x39) {
      if (scale === 0) return -1; // sub-millisecond digits: leave to the exact slow path
      fraction += (b[p]! - 0x30) * scale;
      scale = scale === 1 ? 0 : scale / 10;
      p++;
    }
    ms += fraction;
  }
  if (p + 1 >= n || b[p] !== 0x2c /* , */ || b[p + 1] !== QUOTE) return -1;
  p += 2;
  const valueStart = p;
  let mantissa = 0;
  let mantissaDigits = 0;
  let decimals = -1;
  let simple = true;
  let negative = false;
  if (b[p] === 0x2d /* - */) {
    negative = true;
    p++;
  }
  for (; p < n; p++) {
    const c = b[p]!;
    if (c >= 0x30 && c <= 0x39) {
      mantissa = mantissa * 10 + (c - 0x30);
      mantissaDigits++;
      if (decimals >= 0) decimals++;
    } else if (c === 0x2e && decimals < 0) decimals = 0;
    else if (c === QUOTE) break;
    else if (c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d || c === 0x2e) simple = false;
    else return -1; // NaN, +Inf, escapes, anything unusual
  }
  if (p + 1 >= n || b[p] !== QUOTE || b[p + 1] !== 0x5d /* ] */) return -1;
  if (mantissaDigits === 0) return -1;
  let value: number;
  if (simple && mantissa <= 9007199254740992 && decimals <= 22) {
    value = decimals > 0 ? mantissa / POW10[decimals]! : mantissa;
    if (negative) value = -value;
  } else {
    value = Number(b.toString('latin1', valueStart, p));
    if (Number.isNaN(value)) return -1;
  }
  out.ts = ms;
  out.value = value;
  return p + 2;
}

const QUOTE = 0x22;

/** Prometheus formats sample values with strconv.FormatFloat: "NaN", "+Inf", "-Inf" or a decimal. */
export function parseValue(text: string): number {
  switch (text) {
    case 'NaN':
      return NaN;
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new BodyError(msg.promBadValue(text));
  return Number(text);
}
