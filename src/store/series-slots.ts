/**
 * Dense slots for the series ids of one import, in the order they first arrive (slot 0 is none;
 * slots start at 1), so per-series figures kept while the batches stream past live in typed
 * arrays indexed by slot (src/store/series-stats.ts, src/store/series-intervals.ts).
 */
export class SeriesSlots {
  private slotOf = new Int32Array(1024);
  /** The series id of each slot. */
  readonly ids: number[] = [0];

  /** The slot of a series id: the next free one the first time it is asked for. */
  slot(id: number): number {
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
    }
    return slot;
  }
}

/** A per-slot column twice as long, its values kept. */
export function doubled(column: Float64Array): Float64Array<ArrayBuffer> {
  const longer = new Float64Array(column.length * 2);
  longer.set(column);
  return longer;
}
