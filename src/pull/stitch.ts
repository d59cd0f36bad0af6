import { parseValue } from '../importers/prom-json.js';
import type { Chunk } from './chunks.js';

/** One series of a matrix result as the HTTP API returns it. */
export interface MatrixSeries {
  metric: Record<string, string>;
  values?: [number, string][];
  histograms?: unknown[];
}

/** A series pulled so far: its labels (with `__name__`) and samples in time order. */
export interface PulledSeries {
  metric: Record<string, string>;
  ts: number[];
  values: number[];
}

/**
 * Stitches chunk results into whole series. Per chunk (from, to] it keeps only samples with
 * from < ts <= to and later than the series' last kept sample: that drops the sample a closed
 * (Prometheus 2.x) range selector repeats on the chunk border, and the copies returned when two
 * --match selectors select the same series. Chunks must be added in time order.
 */
export class Stitcher {
  private readonly byKey = new Map<string, PulledSeries>();
  samples = 0;
  /** Native histogram samples seen (not kept: the canonical model holds float samples). */
  skippedHistograms = 0;

  add(chunk: Chunk, result: readonly MatrixSeries[]): void {
    for (const s of result) {
      const key = labelsKey(s.metric);
      let series = this.byKey.get(key);
      if (!series) {
        series = { metric: s.metric, ts: [], values: [] };
        this.byKey.set(key, series);
      }
      let last = series.ts.length > 0 ? series.ts[series.ts.length - 1]! : -Infinity;
      for (const [seconds, text] of s.values ?? []) {
        // The API writes ms-precision seconds; rounding the float recovers the stored integer ms.
        const ts = Math.round(seconds * 1000);
        if (ts <= chunk.from || ts > chunk.to || ts <= last) continue;
        series.ts.push(ts);
        series.values.push(parseValue(text));
        last = ts;
        this.samples++;
      }
      this.skippedHistograms += s.histograms?.length ?? 0;
    }
  }

  /** Every series, in a stable order (metric name, then labels). */
  series(): PulledSeries[] {
    return [...this.byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
  }
}

function labelsKey(metric: Record<string, string>): string {
  const names = Object.keys(metric).sort();
  let key = metric.__name__ ?? '';
  for (const n of names) if (n !== '__name__') key += `\u0000${n}\u0001${metric[n]}`;
  return key;
}
