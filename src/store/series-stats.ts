import type { DuckDBConnection } from '@duckdb/node-api';
import { readSql } from '../base/sql-files.js';
import { isStaleNaN } from './batch.js';
import { doubled, SeriesSlots } from './series-slots.js';

const MERGE_SQL = readSql('store/merge-series-stats.sql');

/** A series' resets stop being recorded past this many, when they are more than 1 in 8 samples. */
const RESETS_KEPT_FREELY = 64;

/**
 * Per-series statistics of one import's samples, gathered while the batches stream past, so the
 * steps after the insert never read the samples back: at 20M samples that read cost seconds and
 * most of the import's memory.
 * - For process identity and roles (src/store/processes/): the figures DuckDB's aggregates give
 *   over the non-NULL values (stale markers are NULL): `value > 0` holds for NaN, and max() is
 *   NaN once any value is NaN, as DuckDB orders NaN above every number.
 * - For PromQL's counter windows (src/models/020-promql-selectors.sql): when a series' samples
 *   arrive in strictly increasing time, every reset (a value below the previous non-NULL one,
 *   neither NaN) is recorded in series_resets, so rate() and increase() need no sort of the
 *   samples to find them. A series whose samples arrive out of order, or that goes down too
 *   often to be a counter (a gauge), is marked resets_complete = false and takes the sort.
 * Tables series_stats and series_resets (migration 004) keep them across imports.
 */
export class SeriesStats {
  private readonly slots = new SeriesSlots();
  private count = new Float64Array(64);
  private firstTs = new Float64Array(64);
  private lastTs = new Float64Array(64);
  private firstPositive = new Float64Array(64);
  private lastPositive = new Float64Array(64);
  private maxValue = new Float64Array(64);
  private minPositiveFinite = new Float64Array(64);
  /** Values of the first sample to arrive, of the latest sample (at lastTs) and of the previous arrival. */
  private firstValue = new Float64Array(64);
  private lastValue = new Float64Array(64);
  private prevTs = new Float64Array(64);
  private prevValue = new Float64Array(64);
  /** Per slot: recorded resets as (ts, previous ts, previous value) triples, or null once incomplete. */
  private resets: (number[] | null)[] = [null];

  /** Adds samples (series ids, ms, values) of equal length, in their order of arrival. */
  add(ids: Int32Array, ts: Float64Array, value: Float64Array): void {
    let lastId = -1;
    let slot = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id !== lastId) {
        slot = this.slot(id);
        lastId = id;
      }
      const v = value[i]!;
      if (v !== v && isStaleNaN(v)) continue;
      const t = ts[i]!;
      if (this.count[slot]! === 0) {
        this.firstTs[slot] = t;
        this.lastTs[slot] = t;
        this.maxValue[slot] = v;
        this.firstValue[slot] = v;
        this.lastValue[slot] = v;
      } else {
        if (t < this.firstTs[slot]!) this.firstTs[slot] = t;
        if (t > this.lastTs[slot]!) {
          this.lastTs[slot] = t;
          this.lastValue[slot] = v;
        }
        const max = this.maxValue[slot]!;
        if (max === max && (v !== v || v > max)) this.maxValue[slot] = v;
        const resets = this.resets[slot]!;
        if (resets !== null) this.trackReset(slot, resets, t, v);
      }
      this.prevTs[slot] = t;
      this.prevValue[slot] = v;
      this.count[slot]!++;
      if (v > 0 || v !== v) {
        const first = this.firstPositive[slot]!;
        if (first !== first || t < first) this.firstPositive[slot] = t;
        const last = this.lastPositive[slot]!;
        if (last !== last || t > last) this.lastPositive[slot] = t;
        if (v !== Infinity && v === v) {
          const min = this.minPositiveFinite[slot]!;
          if (min !== min || v < min) this.minPositiveFinite[slot] = v;
        }
      }
    }
  }

  /** A sample after the first of its series: still in order? a reset? too many to be a counter? */
  private trackReset(slot: number, resets: number[], t: number, v: number): void {
    const prevValue = this.prevValue[slot]!;
    if (!(t > this.prevTs[slot]!)) {
      this.resets[slot] = null; // out of order (or a repeated time): the sort decides
    } else if (v < prevValue) {
      resets.push(t, this.prevTs[slot]!, prevValue);
      const n = resets.length / 3;
      if (n > RESETS_KEPT_FREELY && n * 8 > this.count[slot]!) this.resets[slot] = null;
    }
  }

  /** Merges this import's statistics and resets into series_stats and series_resets (inside the import's transaction). */
  async write(connection: DuckDBConnection): Promise<void> {
    const ids = this.slots.ids;
    if (ids.length === 1) return;
    await connection.run(
      `CREATE OR REPLACE TEMP TABLE import_series_stats AS
       SELECT *, NULL::DOUBLE AS first_value FROM series_stats LIMIT 0`,
    );
    await connection.run(`CREATE OR REPLACE TEMP TABLE import_series_resets AS FROM series_resets LIMIT 0`);
    const a = await connection.createAppender('import_series_stats', 'main', 'temp');
    const r = await connection.createAppender('import_series_resets', 'main', 'temp');
    const bigint = (x: number) => (x === x ? a.appendBigInt(BigInt(x)) : a.appendNull());
    const double = (x: number) => a.appendDouble(x); // NaN and ±Inf are values here
    for (let slot = 1; slot < ids.length; slot++) {
      const n = this.count[slot]!;
      const id = ids[slot]!;
      const resets = this.resets[slot]!;
      a.appendInteger(id);
      a.appendBigInt(BigInt(n));
      bigint(n > 0 ? this.firstTs[slot]! : NaN);
      bigint(n > 0 ? this.lastTs[slot]! : NaN);
      bigint(this.firstPositive[slot]!);
      bigint(this.lastPositive[slot]!);
      if (n > 0) double(this.maxValue[slot]!);
      else a.appendNull();
      const min = this.minPositiveFinite[slot]!;
      if (min === min) a.appendDouble(min);
      else a.appendNull();
      a.appendBoolean(resets !== null);
      if (n > 0) double(this.lastValue[slot]!);
      else a.appendNull();
      if (n > 0) double(this.firstValue[slot]!);
      else a.appendNull();
      a.endRow();
      if (resets === null) continue;
      for (let i = 0; i < resets.length; i += 3) {
        r.appendInteger(id);
        r.appendBigInt(BigInt(resets[i]!));
        r.appendBigInt(BigInt(resets[i + 1]!));
        r.appendDouble(resets[i + 2]!);
        r.endRow();
      }
    }
    a.closeSync();
    r.closeSync();
    await connection.run(MERGE_SQL);
  }

  private slot(id: number): number {
    const opened = this.slots.ids.length;
    const slot = this.slots.slot(id);
    if (slot === opened) {
      this.resets.push([]);
      if (slot >= this.count.length) this.grow();
      this.count[slot] = 0;
      this.firstPositive[slot] = NaN;
      this.lastPositive[slot] = NaN;
      this.minPositiveFinite[slot] = NaN;
    }
    return slot;
  }

  private grow(): void {
    this.count = doubled(this.count);
    this.firstTs = doubled(this.firstTs);
    this.lastTs = doubled(this.lastTs);
    this.firstPositive = doubled(this.firstPositive);
    this.lastPositive = doubled(this.lastPositive);
    this.maxValue = doubled(this.maxValue);
    this.minPositiveFinite = doubled(this.minPositiveFinite);
    this.firstValue = doubled(this.firstValue);
    this.lastValue = doubled(this.lastValue);
    this.prevTs = doubled(this.prevTs);
    this.prevValue = doubled(this.prevValue);
  }
}
