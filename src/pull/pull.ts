import { CliError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import type { MetadataMap } from '../importers/metadata.js';
import { chunkQuery, formatSeconds, halve, planChunks } from './chunks.js';
import { PromApiError, type PromClient } from './client.js';
import { fetchMetadata } from './metadata.js';
import { Stitcher, type MatrixSeries, type PulledSeries } from './stitch.js';

/**
 * `trace-analyze pull`: stored samples of the selected series over [start, end] from a live
 * Prometheus-compatible API. The flow: plan chunks (chunks.ts) → one instant query of a range
 * selector per chunk and selector (client.ts), halving chunks the server refuses for their size
 * → stitch chunks into series (stitch.ts) → fetch metric metadata (metadata.ts). The caller
 * writes the result as a prom-json body (body.ts) or imports that body directly (load.ts).
 */
export interface PullRequest {
  client: PromClient;
  /** Series selectors, e.g. `process_cpu_seconds_total{job="web"}`. */
  matches: readonly string[];
  /** Window [start, end], unix ms, both ends included. */
  start: number;
  end: number;
  chunkMs: number;
  /** Called after each chunk: chunks done, chunks planned so far, samples kept. */
  onProgress?: (done: number, total: number, samples: number) => void;
  /** Called with notes for the user (a chunk halved, metadata missing). */
  onNotice?: (text: string) => void;
}

export interface PullResult {
  series: PulledSeries[];
  metadata: MetadataMap;
  /** Warnings the server sent with its answers, and data-quality notes, recorded with the import. */
  warnings: string[];
  chunks: number;
  samples: number;
}

/** The smallest chunk tried before giving up: below this a server limit is not about chunk size. */
const MIN_CHUNK_MS = 1000;

export async function pull(request: PullRequest): Promise<PullResult> {
  const { client, matches } = request;
  const stitcher = new Stitcher();
  const warnings = new Set<string>();
  const queue = planChunks(request.start, request.end, request.chunkMs);
  let done = 0;
  while (queue.length > 0) {
    const chunk = queue[0]!;
    let results: MatrixSeries[][];
    try {
      results = [];
      for (const selector of matches) {
        const { data, warnings: w } = await client.call('api/v1/query', {
          query: chunkQuery(selector, chunk),
          time: formatSeconds(chunk.to),
        });
        for (const text of w) warnings.add(text);
        results.push(matrixOf(data, client.displayUrl));
      }
    } catch (e) {
      if (!(e instanceof PromApiError) || !isSizeLimit(e)) throw e;
      if (chunk.to - chunk.from <= MIN_CHUNK_MS) throw new CliError(msg.pullChunkTooSmall(e.url, e.error));
      request.onNotice?.(msg.pullChunkHalved(chunk.from, chunk.to));
      queue.splice(0, 1, ...halve(chunk));
      continue;
    }
    // A chunk is stitched only when every selector answered, so a halved chunk is never half-kept.
    for (const result of results) stitcher.add(chunk, result);
    queue.shift();
    done++;
    request.onProgress?.(done, done + queue.length, stitcher.samples);
  }
  const series = stitcher.series();
  if (stitcher.skippedHistograms > 0)
    warnings.add(`${stitcher.skippedHistograms} native histogram samples skipped (float samples only)`);
  const names = new Set(series.map((s) => s.metric.__name__ ?? ''));
  const { metadata, warning } = await fetchMetadata(client, names);
  if (warning) request.onNotice?.(warning);
  return { series, metadata, warnings: [...warnings], chunks: done, samples: stitcher.samples };
}

/**
 * Whether an error says the query was too big, which a smaller chunk fixes: Prometheus'
 * `--query.max-samples` ("query processing would load too many samples into memory") and
 * query timeout, Thanos' and Mimir's per-query sample, chunk and series limits ("exceeded").
 */
function isSizeLimit(e: PromApiError): boolean {
  if (e.errorType === 'timeout') return true;
  if (e.errorType !== 'execution' && e.status !== 422) return false;
  return /too many samples|exceed|limit/i.test(e.error);
}

function matrixOf(data: unknown, url: string): MatrixSeries[] {
  const d = data as { resultType?: unknown; result?: unknown } | null;
  if (d?.resultType !== 'matrix' || !Array.isArray(d.result))
    throw new CliError(
      msg.pullNotApi(`${url}/api/v1/query`, `resultType ${String(d?.resultType)}, expected matrix`),
    );
  return d.result as MatrixSeries[];
}
