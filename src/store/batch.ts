/**
 * The batch shape the store accepts. Every importer turns its input into a stream of these;
 * the store is the only place that knows how they reach DuckDB. Columns are typed arrays so a
 * batch of a million samples costs three allocations, not a million objects.
 */

export type MetricKind = 'counter' | 'gauge' | 'unknown';

/** A series as an importer knows it. `ref` is the importer's own number, unique within one import. */
export interface SeriesDef {
  ref: number;
  metric: string;
  /** Labels without `__name__`. */
  labels: Record<string, string>;
  kind: MetricKind;
  unit?: string | null;
  help?: string | null;
  /** Set when the series belongs to one process: see processKey(). */
  processKey?: string | null;
}

/** One process seen by an importer (identity is pid plus start time, never pid alone). */
export interface ProcessRecord {
  processKey: string;
  pid: number;
  ppid: number | null;
  comm: string | null;
  cmdline: string | null;
  /** Process start, unix ms (null when the source does not know it). */
  startTs: number | null;
  /** The start is placed to the clock tick (/proc snapshots with uptime): it replaces a coarser one already stored. */
  startExact?: boolean;
  /** First and last time the process was observed, unix ms. */
  firstSeen: number;
  lastSeen: number;
}

/** Sample columns: `ref[i]` names the series, `ts[i]` is unix ms (an integer), `value[i]` the value. */
export interface SampleColumns {
  length: number;
  ref: Int32Array;
  ts: Float64Array;
  value: Float64Array;
}

export interface ImportBatch {
  /** Series first declared in this batch. A sample may only name a series declared in this or an earlier batch. */
  series: SeriesDef[];
  samples: SampleColumns;
  processes?: ProcessRecord[];
  /** Data-quality notes the importer wants recorded on the import. */
  warnings?: string[];
}

/** Prometheus' staleness marker (value.StaleNaN, 0x7ff0000000000002). Stored as a NULL value. */
export const STALE_NAN = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!;

const scratch = new DataView(new ArrayBuffer(8));
export function isStaleNaN(value: number): boolean {
  if (!Number.isNaN(value)) return false;
  scratch.setFloat64(0, value);
  return scratch.getBigUint64(0) === 0x7ff0000000000002n;
}

/** The identity of a process: pid plus start time (ms), so a reused pid is a different process. */
export function processKey(pid: number, startTs: number | null): string {
  return startTs === null ? `${pid}` : `${pid}@${startTs}`;
}

/**
 * Typed-array sample columns that grow as needed; importers push samples and hand out a batch
 * whenever `full` says the preferred batch size is reached.
 */
export class SampleBuffer {
  private ref: Int32Array;
  private ts: Float64Array;
  private value: Float64Array;
  length = 0;

  constructor(private readonly batchSize = 65_536) {
    this.ref = new Int32Array(batchSize);
    this.ts = new Float64Array(batchSize);
    this.value = new Float64Array(batchSize);
  }

  get full(): boolean {
    return this.length >= this.batchSize;
  }

  push(ref: number, ts: number, value: number): void {
    const i = this.length++;
    if (i === this.ref.length) this.grow();
    this.ref[i] = ref;
    this.ts[i] = ts;
    this.value[i] = value;
  }

  private grow(): void {
    const size = this.ref.length * 2;
    const ref = new Int32Array(size);
    const ts = new Float64Array(size);
    const value = new Float64Array(size);
    ref.set(this.ref);
    ts.set(this.ts);
    value.set(this.value);
    this.ref = ref;
    this.ts = ts;
    this.value = value;
  }

  /** Hands out the filled part as columns and starts a fresh buffer. */
  take(): SampleColumns {
    const out = {
      length: this.length,
      ref: this.ref.subarray(0, this.length),
      ts: this.ts.subarray(0, this.length),
      value: this.value.subarray(0, this.length),
    };
    // The next batch starts at the size this one reached, so a producer that overshoots the
    // batch size (a whole input chunk at a time) does not pay for growing every batch.
    const capacity = this.ref.length;
    this.ref = new Int32Array(capacity);
    this.ts = new Float64Array(capacity);
    this.value = new Float64Array(capacity);
    this.length = 0;
    return out;
  }
}

export function emptySamples(): SampleColumns {
  return { length: 0, ref: new Int32Array(0), ts: new Float64Array(0), value: new Float64Array(0) };
}
