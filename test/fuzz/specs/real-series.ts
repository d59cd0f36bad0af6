/**
 * Real series from the capture (Prometheus exports), to render into the other text formats:
 * seeds made of real data for formats the capture has no file of.
 */
import { join } from 'node:path';
import { CAPTURE } from '../../helpers/cli.js';
import { promNumber, readPromBody, type PromSeries } from '../../helpers/prom.js';

export interface RealSeries {
  labels: Record<string, string>;
  /** [unix ms, value] */
  samples: [number, number][];
}

export function realSeries(mode: string): RealSeries[] {
  const body = readPromBody(join(CAPTURE, 'prometheus', mode, 'query_range_step1s_num_procs.json'));
  return (body.result as PromSeries[]).map((s) => ({
    labels: s.metric,
    samples: (s.values ?? []).map(([t, v]) => [Math.round(t * 1000), promNumber(v)] as [number, number]),
  }));
}

/** Text without lone surrogates (which no UTF-8 file can hold). */
export function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/**
 * A series' identity: its label set, whatever the order of the labels, as stored (text made
 * well-formed; a label with an empty value is no label, as in Prometheus).
 */
export const seriesIdentity = (s: RealSeries): string =>
  JSON.stringify(
    Object.entries(s.labels)
      .filter(([, v]) => v !== '')
      .map(([k, v]) => [wellFormed(k), wellFormed(v)])
      .sort(([a], [b]) => (a! < b! ? -1 : 1)),
  );
