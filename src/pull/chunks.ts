/**
 * Chunk planning. Stored samples come from a range selector evaluated by an instant query
 * (`<selector>[<to - from>]` at time `to`), one query per chunk, because:
 * - query_range re-samples at each step instead of returning stored samples, and refuses more
 *   than 11,000 steps per series; an instant query of a range selector has neither problem;
 * - what bounds an instant query is the samples it loads (`--query.max-samples`, 50M by default
 *   in Prometheus; per-query sample/chunk limits in Thanos and Mimir) and its timeout, so a long
 *   window is split into chunks, and a chunk the server refuses is halved (see pull.ts).
 *
 * A chunk is the half-open interval (from, to]. Prometheus 3.x range selectors are left-open,
 * (to - range, to], which is exactly the chunk; 2.x selectors are closed, [to - range, to], and
 * also return a sample lying exactly on `from`, which the stitcher drops (it belongs to the
 * previous chunk). So chunks meet without gaps or duplicates on both versions.
 */
export interface Chunk {
  /** Exclusive lower bound, unix ms. */
  from: number;
  /** Inclusive upper bound (the query's evaluation time), unix ms. */
  to: number;
}

/**
 * Chunks covering the closed window [start, end]: borders at start + k·chunkMs, and the first
 * chunk reaches 1 ms further back so that `start` itself is included.
 */
export function planChunks(start: number, end: number, chunkMs: number): Chunk[] {
  const chunks: Chunk[] = [];
  let from = start - 1;
  for (let k = 1; from < end; k++) {
    const to = Math.min(start + k * chunkMs, end);
    chunks.push({ from, to });
    from = to;
  }
  return chunks;
}

/** The two halves of a chunk (used when the server refuses it for its size). */
export function halve(chunk: Chunk): [Chunk, Chunk] {
  const mid = chunk.from + Math.floor((chunk.to - chunk.from) / 2);
  return [
    { from: chunk.from, to: mid },
    { from: mid, to: chunk.to },
  ];
}

/** The instant query that returns a chunk's stored samples; durations in ms are valid PromQL since 2.x. */
export function chunkQuery(selector: string, chunk: Chunk): string {
  return `${selector}[${chunk.to - chunk.from}ms]`;
}

/** Unix ms as the unix seconds the HTTP API takes and returns (`1795770000`, `1795770000.5`). */
export function formatSeconds(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  const whole = Math.floor(abs / 1000);
  const frac = abs % 1000;
  if (frac === 0) return `${sign}${whole}`;
  return `${sign}${whole}.${String(frac).padStart(3, '0').replace(/0+$/, '')}`;
}
