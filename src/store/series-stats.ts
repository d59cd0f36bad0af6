import type { DuckDBConnection } from '@duckdb/node-api';
import { readSql } from '../base/sql-files.js';
import { isStaleNaN } from './batch.js';

const MERGE_SQL = readSql('store/merge-series-stats.sql');

/**
 * Per-series statistics of one import's samples, gathered while the batches stream past, so the
 * steps after the insert (process identity and roles, src/store/processes/) never read the
 * samples back: at 20M samples that read cost seconds and most of the import's memory.
 * The figures are those DuckDB's aggregates give over the non-NULL values (stale markers are
 * NULL): `value > 0` holds for NaN, and max() is NaN once any value is NaN, as DuckDB orders NaN
 * above every number. Table series_stats (migration 004) keeps them per series across imports.
 */
export class SeriesStats {
  /** Slot of a series id (0 = none yet; slots start at 1). */
  private slotOf = new Int32Array(1024);
  private ids: number[] = [0];
  private count = new Float64Array(64);
  private firstTs = new Float64Array(64);
  private lastTs = new Float64Array(64);
  private firstPositive = new Float64Array(64);
  private lastPositive = new Float64Array(64);
  private maxValue = new Float64Array(64);
  private minPositiveFinite = new Float64Array(64);

  /** Adds samples (series ids, ms, values) of equal length. */
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
      } else {
        if (t < this.firstTs[slot]!) this.firstTs[slot] = t;
        if (t > this.lastTs[slot]!) this.lastTs[slot] = t;
        const max = this.maxValue[slot]!;
        if (max === max && (v !== v || v > max)) this.maxValue[slot] = v;
      }
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

  /** Merges this import's statistics into series_stats (inside the import's transaction). */
  async write(connection: DuckDBConnection): Promise<void> {
    if (this.ids.length === 1) return;
    await connection.run(`CREATE OR REPLACE TEMP TABLE import_series_stats AS FROM series_stats LIMIT 0`);
    const a = await connection.createAppender('import_series_stats', 'main', 'temp');
    const orNull = (x: number) => (x === x ? a.appendBigInt(BigInt(x)) : a.appendNull());
    for (let slot = 1; slot < this.ids.length; slot++) {
      const n = this.count[slot]!;
      a.appendInteger(this.ids[slot]!);
      a.appendBigInt(BigInt(n));
      orNull(n > 0 ? this.firstTs[slot]! : NaN);
      orNull(n > 0 ? this.lastTs[slot]! : NaN);
      orNull(this.firstPositive[slot]!);
      orNull(this.lastPositive[slot]!);
      if (n > 0) a.appendDouble(this.maxValue[slot]!);
      else a.appendNull();
      const min = this.minPositiveFinite[slot]!;
      if (min === min) a.appendDouble(min);
      else a.appendNull();
      a.endRow();
    }
    a.closeSync();
    await connection.run(MERGE_SQL);
  }

  private slot(id: number): number {
    if (id >= this.slotOf.length) {
      const grown = new Int32Array(Math.max(id + 1, this.slotOf.length * 2));
      grown.set(this.slotOf);
      this.slotOf = grown;
    }
    let slot = this.slotOf[id]!;
    if (slot === 0) {
      slot = this.ids.length;
      this.ids.push(id);
      this.slotOf[id] = slot;
      if (slot >= this.count.length) this.grow();
      this.count[slot] = 0;
      this.firstPositive[slot] = NaN;
      this.lastPositive[slot] = NaN;
      this.minPositiveFinite[slot] = NaN;
    }
    return slot;
  }

  private grow(): void {
    const size = this.count.length * 2;
    const grown = (a: Float64Array) => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    this.count = grown(this.count);
    this.firstTs = grown(this.firstTs);
    this.lastTs = grown(this.lastTs);
    this.firstPositive = grown(this.firstPositive);
    this.lastPositive = grown(this.lastPositive);
    this.maxValue = grown(this.maxValue);
    this.minPositiveFinite = grown(this.minPositiveFinite);
  }
}
