import type { DuckDBConnection } from '@duckdb/node-api';
import { readSql } from '../base/sql-files.js';
import { doubled, SeriesSlots } from './series-slots.js';

const MERGE_SQL = readSql('store/merge-series-intervals.sql');

/** Distinct intervals kept per series: a series with more takes the sort at report time. */
export const INTERVAL_BINS = 16;
/** Checkpoints kept per series: past that, every other one goes and they come half as often. */
export const CHECKPOINTS = 32;
/** Finite samples between checkpoints at first. */
export const CHECKPOINT_STRIDE = 4096;
/** Intervals within half this many ms of a series' first one are found by their offset from it. */
const NEAR = 64;

/**
 * The intervals between consecutive finite samples of each series (NULL, NaN and ±Inf are not
 * measurements and are left out, as the report's models leave them out), counted while the
 * batches stream past, so the report's histogram of scrape intervals (pool_interval_counts,
 * src/models/pool/130-lifetimes.sql) needs no sort of the samples. How many intervals of each
 * length end at or before a time (alive_to) is known from the first and last end when the time
 * is outside them; else from the last checkpoint before it (the counts so far, every stride
 * finite samples) and the few samples after it. A series whose samples arrive out of time
 * order, or with more than INTERVAL_BINS distinct intervals, is marked incomplete and its
 * checkpoints dropped: the report sorts its samples as before. Memory: under 1 KiB per series,
 * and a checkpoint (about 100 bytes) per CHECKPOINT_STRIDE finite samples, at most CHECKPOINTS
 * per series.
 * Tables series_interval_state, series_intervals and series_interval_checkpoints (migration
 * 007) keep them across imports (merge-series-intervals.sql).
 */
export class SeriesIntervals {
  private readonly slots = new SeriesSlots();
  /** Time of the first and latest sample (any value: a stale marker too) and of the first and latest finite one (NaN: none). */
  private firstTs = new Float64Array(64);
  private lastTs = new Float64Array(64);
  private firstFinite = new Float64Array(64);
  private lastFinite = new Float64Array(64);
  /** Finite samples so far, and the count at which the next checkpoint is taken. */
  private finite = new Float64Array(64);
  private nextCheckpoint = new Float64Array(64);
  private stride = new Float64Array(64);
  /** Per slot: how many distinct intervals (-1 once incomplete), and the first interval. */
  private bins = new Float64Array(64);
  private origin = new Float64Array(64);
  /**
   * Per slot, NEAR places from slot × NEAR, the k-th for the interval origin − NEAR / 2 + k: 1 +
   * its place among the slot's intervals (0: not seen yet), so the intervals of a jittered
   * scrape are found without a search.
   */
  private near = new Uint8Array(64 * NEAR);
  /**
   * Per slot, INTERVAL_BINS places from slot × INTERVAL_BINS: each distinct interval (ms), how
   * many, their first and last end (the later sample).
   */
  private interval = new Float64Array(64 * INTERVAL_BINS);
  private n = new Float64Array(64 * INTERVAL_BINS);
  private firstEnd = new Float64Array(64 * INTERVAL_BINS);
  private lastEnd = new Float64Array(64 * INTERVAL_BINS);
  /** Per slot: checkpoints, each [ts, n of interval 0, n of interval 1, …] at a finite sample. */
  private checkpoints: number[][][] = [[]];

  /**
   * Adds samples (series ids, ms, values) of equal length, in their order of arrival, after the
   * loader dropped each repeat of its series' latest time (so a series in order is strictly so).
   */
  add(ids: Int32Array, ts: Float64Array, value: Float64Array): void {
    // A series' samples mostly come one after another: its figures are held in locals meanwhile.
    let lastId = -1;
    let slot = 0;
    let bins = -1;
    let lastTs = 0;
    let lastFinite = 0;
    let finite = 0;
    let next = 0;
    let origin = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const t = ts[i]!;
      if (id !== lastId) {
        if (bins >= 0) this.keep(slot, lastTs, lastFinite, finite);
        slot = this.slot(id, t);
        lastId = id;
        bins = this.bins[slot]!;
        lastTs = this.lastTs[slot]!;
        lastFinite = this.lastFinite[slot]!;
        finite = this.finite[slot]!;
        next = this.nextCheckpoint[slot]!;
        origin = this.origin[slot]!;
      }
      if (bins < 0) continue;
      if (!(t > lastTs)) {
        this.forget(slot); // out of order: the sort decides
        bins = -1;
        continue;
      }
      lastTs = t;
      const v = value[i]!;
      if (v - v !== 0) continue; // NaN (a stale marker too), ±Inf
      const prev = lastFinite;
      lastFinite = t;
      if (finite++ === 0) {
        this.firstFinite[slot] = t;
        continue;
      }
      const d = t - prev;
      const k = d - origin + NEAR / 2;
      let j = k >= 0 && k < NEAR ? this.near[slot * NEAR + k]! - 1 : -1;
      if (j < 0) {
        j = this.find(slot, bins, d, t);
        if (j < 0) {
          bins = -1; // too many distinct intervals
          continue;
        }
        bins = this.bins[slot]!;
        origin = this.origin[slot]!;
      }
      j += slot * INTERVAL_BINS;
      this.n[j]!++;
      this.lastEnd[j] = t;
      if (finite === next) {
        this.checkpoint(slot, t);
        next = this.nextCheckpoint[slot]!;
      }
    }
    if (bins >= 0) this.keep(slot, lastTs, lastFinite, finite);
  }

  private keep(slot: number, lastTs: number, lastFinite: number, finite: number): void {
    this.lastTs[slot] = lastTs;
    this.lastFinite[slot] = lastFinite;
    this.finite[slot] = finite;
  }

  /**
   * The place of interval d among the slot's (a new one ending at t if it is new), or -1 when it
   * is one more than INTERVAL_BINS (the series is then forgotten).
   */
  private find(slot: number, bins: number, d: number, t: number): number {
    const base = slot * INTERVAL_BINS;
    let j = 0;
    while (j < bins && this.interval[base + j] !== d) j++;
    if (j === bins) {
      if (bins === INTERVAL_BINS) {
        this.forget(slot);
        return -1;
      }
      if (bins === 0) this.origin[slot] = d;
      this.interval[base + j] = d;
      this.n[base + j] = 0;
      this.firstEnd[base + j] = t;
      this.bins[slot] = bins + 1;
    }
    const k = d - this.origin[slot]! + NEAR / 2;
    if (k >= 0 && k < NEAR) this.near[slot * NEAR + k] = j + 1;
    return j;
  }

  /** The counts of the intervals so far, at t; when there are CHECKPOINTS, every other one goes. */
  private checkpoint(slot: number, t: number): void {
    const kept = this.checkpoints[slot]!;
    const base = slot * INTERVAL_BINS;
    kept.push([t, ...this.n.subarray(base, base + this.bins[slot]!)]);
    if (kept.length === CHECKPOINTS) {
      this.checkpoints[slot] = kept.filter((_, i) => i % 2 === 1);
      this.stride[slot]! *= 2;
    }
    this.nextCheckpoint[slot]! += this.stride[slot]!;
  }

  private forget(slot: number): void {
    this.bins[slot] = -1;
    this.checkpoints[slot] = [];
  }

  /** Merges this import's intervals into the stored ones (inside the import's transaction). */
  async write(connection: DuckDBConnection): Promise<void> {
    const ids = this.slots.ids;
    if (ids.length === 1) return;
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
    for (let slot = 1; slot < ids.length; slot++) {
      const id = ids[slot]!;
      const bins = this.bins[slot]!;
      const complete = bins >= 0;
      s.appendInteger(id);
      bigint(complete ? this.firstTs[slot]! : NaN);
      bigint(complete ? this.lastTs[slot]! : NaN);
      bigint(complete ? this.firstFinite[slot]! : NaN);
      bigint(complete ? this.lastFinite[slot]! : NaN);
      s.appendBoolean(complete);
      s.endRow();
      const base = slot * INTERVAL_BINS;
      for (let j = base; j < base + bins; j++) {
        b.appendInteger(id);
        b.appendBigInt(BigInt(this.interval[j]!));
        b.appendBigInt(BigInt(this.n[j]!));
        b.appendBigInt(BigInt(this.firstEnd[j]!));
        b.appendBigInt(BigInt(this.lastEnd[j]!));
        b.endRow();
      }
      for (const [t, ...counts] of this.checkpoints[slot]!) {
        for (const [j, n] of counts.entries()) {
          c.appendInteger(id);
          c.appendBigInt(BigInt(t!));
          c.appendBigInt(BigInt(this.interval[base + j]!));
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
    const opened = this.slots.ids.length;
    const slot = this.slots.slot(id);
    if (slot === opened) {
      this.checkpoints.push([]);
      if (slot >= this.firstTs.length) this.grow();
      this.firstTs[slot] = t;
      this.lastTs[slot] = -Infinity;
      this.firstFinite[slot] = NaN;
      this.lastFinite[slot] = NaN;
      this.finite[slot] = 0;
      this.stride[slot] = CHECKPOINT_STRIDE;
      this.nextCheckpoint[slot] = CHECKPOINT_STRIDE;
      this.bins[slot] = 0;
      this.origin[slot] = NaN;
    }
    return slot;
  }

  private grow(): void {
    this.firstTs = doubled(this.firstTs);
    this.lastTs = doubled(this.lastTs);
    this.firstFinite = doubled(this.firstFinite);
    this.lastFinite = doubled(this.lastFinite);
    this.finite = doubled(this.finite);
    this.nextCheckpoint = doubled(this.nextCheckpoint);
    this.stride = doubled(this.stride);
    this.bins = doubled(this.bins);
    this.origin = doubled(this.origin);
    const near = new Uint8Array(this.near.length * 2);
    near.set(this.near);
    this.near = near;
    this.interval = doubled(this.interval);
    this.n = doubled(this.n);
    this.firstEnd = doubled(this.firstEnd);
    this.lastEnd = doubled(this.lastEnd);
  }
}
