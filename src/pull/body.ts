import type { MetadataMap } from '../importers/metadata.js';
import { METADATA_KEY } from '../importers/prom-json.js';
import { formatSeconds } from './chunks.js';
import type { PulledSeries } from './stitch.js';

/**
 * The pulled data as one prom-json body: exactly what `/api/v1/query` answers for a range
 * selector (a matrix of stored samples), with the metric metadata under METADATA_KEY after
 * "status" (so format detection still sees it first) and before "data" (so the streaming
 * importer knows each family's TYPE when its series arrive). Yielded in pieces, so a large pull
 * is never one string.
 */
export function* promJsonBody(
  series: readonly PulledSeries[],
  metadata: MetadataMap,
  warnings: readonly string[],
): Generator<string> {
  yield `{"status":"success",${JSON.stringify(METADATA_KEY)}:${JSON.stringify(metadata)},"data":{"resultType":"matrix","result":[`;
  for (let i = 0; i < series.length; i++) {
    const s = series[i]!;
    let piece = `${i === 0 ? '' : ','}\n{"metric":${JSON.stringify(s.metric)},"values":[`;
    for (let j = 0; j < s.ts.length; j++) {
      piece += `${j === 0 ? '' : ','}[${formatSeconds(s.ts[j]!)},"${formatValue(s.values[j]!)}"]`;
      if (piece.length > 1 << 16) {
        yield piece;
        piece = '';
      }
    }
    yield `${piece}]}`;
  }
  yield `\n]}${warnings.length > 0 ? `,"warnings":${JSON.stringify(warnings)}` : ''}}\n`;
}

/** Values as Prometheus writes them: "NaN", "+Inf", "-Inf", else the shortest exact decimal. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
