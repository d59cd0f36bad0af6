import type { MetadataMap } from '../importers/metadata.js';
import * as msg from '../base/messages.js';
import type { PromClient } from './client.js';

/**
 * The TYPE/HELP/UNIT of the pulled metric families from /api/v1/metadata. Prometheus keeps
 * metadata from its scrape targets' exposition (not in the TSDB), so families no current
 * target exposes (e.g. backfilled or from targets gone) have none; their kind then comes from
 * naming conventions. A server without the endpoint is a warning, not a failure.
 */
export async function fetchMetadata(
  client: PromClient,
  metricNames: Iterable<string>,
): Promise<{ metadata: MetadataMap; warning?: string }> {
  let data: unknown;
  try {
    ({ data } = await client.call('api/v1/metadata', {}, 'GET'));
  } catch (e) {
    return { metadata: {}, warning: msg.pullNoMetadata(e instanceof Error ? e.message : String(e)) };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    return { metadata: {}, warning: msg.pullNoMetadata('unexpected response shape') };
  const all = data as MetadataMap;
  const metadata: MetadataMap = Object.create(null) as MetadataMap;
  for (const name of metricNames) {
    // A series is described by its own name or by its family (name minus an exposition suffix).
    for (const family of [name, name.replace(/_(total|created|bucket|count|sum|gcount|gsum)$/, '')]) {
      const entries = Object.hasOwn(all, family) ? all[family] : undefined;
      if (Array.isArray(entries) && entries.length > 0) metadata[family] = entries;
    }
  }
  return { metadata };
}
