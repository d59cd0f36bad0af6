import type { DuckDBConnection } from '@duckdb/node-api';
import { readSql } from '../base/sql-files.js';

const MERGE_SQL = readSql('store/merge-series-intervals.sql');

/** Distinct intervals kept per series: a series with more takes the sort at report time. */
export const INTERVAL_BINS = 16;
/** Checkpoints kept per series: past that, every other one goes and they come half as often. */
export const CHECKPOINTS = 32;
/** Finite samples between checkpoints at first. */
export const CHECKPOINT_STRIDE = 1024;

/** The intervals of one length (interval_ms) in one series: how many, the first and last end (the later sample). */
interface Bin {
  interval: number;
  n: number;
  firstEnd: number;
  lastEnd: number;
}

/**
 * The intervals between consecutive finite samples of each series (NULL, NaN and ±Inf are not
 * measurements and are left out, as the report's models leave them out), counted while the
 * batches stream past, so the report's histogram of scrape intervals (pool_interval_counts,
 * src/models/pool/130-lifetimes.sql) needs no sort of the samples. How many intervals of each
 * length end at or before a time (alive_to) is known from the first and last end when the time
 * is outside them; else from the last checkpoint before it (the counts so far, every stride
 * finite samples) and the few samples after it. A series whose samples arrive out of time
 * order, or with more than INTERVAL_BINS distinct intervals, is marked incomplete and forgotten
 * (its memory freed): the report sorts its samples as before. Memory is bounded by series ×
 * INTERVAL_BINS × CHECKPOINTS, whatever the samples.
 * Tables series_interval_state, series_intervals and series_interval_checkpoints (migration
 * 007) keep them across imports (merge-series-intervals.sql).
 */
export class SeriesIntervals {
  /** Slot of a series id (0 = none yet; slots start at 1). */
  private slotOf = new Int32Array(1024);
  private ids: number[] = [0];
  /** Time of the first and latest sample (any value: a stale marker too) and of the first and latest finite one (NaN: none). */
  private firstTs = new Float64Array(64);
  private lastTs = new Float64Array(64);
  private firstFinite = new Float64Array(64);
  private lastFinite = new Float64Array(64);
  /** Finite samples so far, and the count at which the next checkpoint is taken. */
  private finite = new Float64Array(64);
  private nextCheckpoint = new Float64Array(64);
  private stride = new Float64Array(64);
  /** Per slot: its intervals, or null once it is incomplete; and the bin the last interval fell in. */
  private bins: (Bin[] | null)[] = [null];
  private current: (Bin | null)[] = [null];
  /** Per slot: checkpoints, each [ts, n of bin 0, n of bin 1, …] at a finite sample. */
  private checkpoints: number[][][] = [[]];

  /**
   * Adds samples (series ids, ms, values) of equal length, in their order of arrival, after the
   * loader dropped each repeat of its series' latest time (so a series in order is strictly so).
   */
  add(ids: Int32Array, ts: Float64Array, value: Float64Array): void {
    let lastId = -1;
    let slot = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const t = ts[i]!;
      if (id !== lastId) {
        slot = this.slot(id, t);
        lastId = id;
      }
      const bins = this.bins[slot]!;
      if (bins === null) continue;
      if (!(t > this.lastTs[slot]!)) {
        this.forget(slot); // out of order: the sort decides
        continue;
      }
      this.lastTs[slot] = t;
      const v = value[i]!;
      if (v - v !== 0) continue; // NaN (a stale marker too), ±Inf
      const prev = this.lastFinite[slot]!;
      this.lastFinite[slot] = t;
      if (prev !== prev) {
        this.firstFinite[slot] = t;
        this.finite[slot] = 1;
        continue;
      }
      const d = t - prev;
      let bin = this.current[slot]!;
      if (bin === null || bin.interval !== d) {
        let found: Bin | undefined;
        for (let j = 0; j < bins.length && found === undefined; j++)
          if (bins[j]!.interval === d) found = bins[j];
        if (found === undefined) {
          if (bins.length === INTERVAL_BINS) {
            this.forget(slot); // too many distinct intervals
            continue;
          }
          found = { interval: d, n: 0, firstEnd: t, lastEnd: NaN };
          bins.push(found);
        }
        this.current[slot] = bin = found;
      }
      bin.n++;
      bin.lastEnd = t;
      if (++this.finite[slot]! === this.nextCheckpoint[slot]!) this.checkpoint(slot, bins, t);
    }
  }

  /** The counts of the intervals so far, at t; when there are CHECKPOINTS, every other one goes. */
  private checkpoint(slot: number, bins: Bin[], t: number): void {
    const kept = this.checkpoints[slot]!;
    kept.push([t, ...bins.map((b) => b.n)]);
    if (kept.length === CHECKPOINTS) {
      this.checkpoints[slot] = kept.filter((_, i) => i % 2 === 1);
      this.stride[slot]! *= 2;
    }
    this.nextCheckpoint[slot]! += this.stride[slot]!;
  }

  private forget(slot: number): void {
    this.bins[slot] = null;
    this.current[slot] = null;
    this.checkpoints[slot] = [];
  }

  /** Merges this import's intervals into the stored ones (inside the import's transaction). */
  async write(connection: DuckDBConnection): Promise<void> {
    if (this.ids.length === 1) return;
    await connection.run(
      `CREATE OR REPLACE TEMP TABLE import_series_interval_state (
         series_id INTEGER, first_ts BIGINT, last_ts BIGINT, first_finite_ts BIGINT, last_finite_ts BIGINT,
         complete BOOLEAN)`,
    );
    await connection.run(
      `CREATE OR REPLACE TEMP TABLE import_series_intervals AS FROM series_intervals LIMIT 0`,
    );
    await connection.run(
      `CREATE OR REPLACE TEMP TABLE import_series_interval_checkpoints AS FROM series_interval_checkpoints LIMIT 0`,
    );
    const s = await connection.createAppender('import_series_interval_state', 'main', 'temp');
    const b = await connection.createAppender('import_series_intervals', 'main', 'temp');
    const c = await connection.createAppender('import_series_interval_checkpoints', 'main', 'temp');
    const bigint = (x: number) => (x === x ? s.appendBigInt(BigInt(x)) : s.appendNull());
    for (let slot = 1; slot < this.ids.length; slot++) {
      const id = this.ids[slot]!;
      const bins = this.bins[slot]!;
      const complete = bins !== null;
      s.appendInteger(id);
      bigint(complete ? this.firstTs[slot]! : NaN);
      bigint(complete ? this.lastTs[slot]! : NaN);
      bigint(complete ? this.firstFinite[slot]! : NaN);
      bigint(complete ? this.lastFinite[slot]! : NaN);
      s.appendBoolean(complete);
      s.endRow();
      for (const bin of bins ?? []) {
        b.appendInteger(id);
        b.appendBigInt(BigInt(bin.interval));
        b.appendBigInt(BigInt(bin.n));
        b.appendBigInt(BigInt(bin.firstEnd));
        b.appendBigInt(BigInt(bin.lastEnd));
        b.endRow();
      }
      if (bins === null) continue;
      for (const [t, ...counts] of this.checkpoints[slot]!) {
        for (const [i, n] of counts.entries()) {
          c.appendInteger(id);
          c.appendBigInt(BigInt(t!));
          c.appendBigInt(BigInt(bins[i]!.interval));
          c.appendBigInt(BigInt(n));
          c.endRow();
        }
      }
    }
    s.closeSync();
    b.closeSync();
    c.closeSync();
    await connection.run(
      `SET VARIABLE interval_bins = ${INTERVAL_BINS}; SET VARIABLE interval_checkpoints = ${CHECKPOINTS}`,
    );
    await connection.run(MERGE_SQL);
  }

  /** The slot of a series id; a new one opens at t, the series' first sample. */
  private slot(id: number, t: number): number {
    if (id >= this.slotOf.length) {
      const grown = new Int32Array(Math.max(id + 1, this.slotOf.length * 2));
      grown.set(this.slotOf);
      this.slotOf = grown;
    }
    let slot = this.slotOf[id]!;
    if (slot === 0) {
      slot = this.ids.length;
      this.ids.push(id);
      this.bins.push([]);
      this.current.push(null);
      this.checkpoints.push([]);
      this.slotOf[id] = slot;
      if (slot >= this.firstTs.length) this.grow();
      this.firstTs[slot] = t;
      this.lastTs[slot] = -Infinity;
      this.firstFinite[slot] = NaN;
      this.lastFinite[slot] = NaN;
      this.finite[slot] = 0;
      this.stride[slot] = CHECKPOINT_STRIDE;
      this.nextCheckpoint[slot] = CHECKPOINT_STRIDE;
    }
    return slot;
  }

  private grow(): void {
    const size = this.firstTs.length * 2;
    const grown = (a: Float64Array) => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    this.firstTs = grown(this.firstTs);
    this.lastTs = grown(this.lastTs);
    this.firstFinite = grown(this.firstFinite);
    this.lastFinite = grown(this.lastFinite);
    this.finite = grown(this.finite);
    this.nextCheckpoint = grown(this.nextCheckpoint);
    this.stride = grown(this.stride);
  }
}
