import type { MetricKind } from '../store/batch.js';
import { kindFromName } from './kind.js';

/** One entry of Prometheus' /api/v1/metadata: the TYPE, HELP and UNIT a target exposed for a metric family. */
export interface MetricMetadata {
  type: string;
  help?: string;
  unit?: string;
}

/** `data` of /api/v1/metadata: metric family name → the entries targets exposed (usually one). */
export type MetadataMap = Record<string, MetricMetadata[]>;

export interface SeriesMetadata {
  kind: MetricKind;
  help: string | null;
  unit: string | null;
}

/**
 * The kind, help and unit of a series from its metric family's metadata. Metadata is keyed by
 * family name, so a series name is looked up as is and then without the suffixes the exposition
 * formats add (OpenMetrics counters `_total`, histogram and summary `_bucket`/`_count`/`_sum`,
 * `_created`). Without a usable TYPE the kind comes from naming conventions (kindFromName).
 */
export function seriesMetadata(metric: string, metadata: MetadataMap): SeriesMetadata {
  const first = (name: string) => (Object.hasOwn(metadata, name) ? metadata[name]?.[0] : undefined);
  const exact = first(metric);
  if (exact) {
    const kind = kindOfFamily(exact.type);
    if (kind !== undefined) return describe(kind, exact);
  }
  const m = /^(.*)_(total|created|bucket|count|sum|gcount|gsum)$/.exec(metric);
  const family = m ? first(m[1]!) : undefined;
  if (m && family) {
    const suffix = m[2]!;
    const kind = kindOfSuffix(family.type, suffix);
    if (kind !== undefined) return describe(kind, family);
  }
  return { kind: kindFromName(metric), help: exact?.help || null, unit: exact?.unit || null };
}

function describe(kind: MetricKind, entry: MetricMetadata): SeriesMetadata {
  return { kind, help: entry.help || null, unit: entry.unit || null };
}

/** A series named exactly like its family: a counter, a gauge, or a summary's quantiles (gauges). */
function kindOfFamily(type: string): MetricKind | undefined {
  switch (type) {
    case 'counter':
      return 'counter';
    case 'gauge':
    case 'summary': // the {quantile="..."} series
    case 'info':
    case 'stateset':
      return 'gauge';
    default:
      return undefined; // unknown, or a native histogram (its float series are not kept)
  }
}

/** OpenMetrics suffixes (https://prometheus.io/docs/specs/om/open_metrics_spec/#metric-types). */
function kindOfSuffix(type: string, suffix: string): MetricKind | undefined {
  if (suffix === 'created')
    return type === 'counter' || type === 'histogram' || type === 'summary' ? 'gauge' : undefined;
  if (type === 'counter') return suffix === 'total' ? 'counter' : undefined;
  if (type === 'histogram' || type === 'summary')
    return suffix === 'bucket' || suffix === 'count' || suffix === 'sum' ? 'counter' : undefined;
  if (type === 'gaugehistogram')
    return suffix === 'bucket' || suffix === 'gcount' || suffix === 'gsum' ? 'gauge' : undefined;
  return undefined;
}
