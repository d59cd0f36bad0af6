import { finite, isObject } from '../base/json.js';
import type { Importer } from './importer.js';
import { headText, missingFigure, summaryBatch, summaryFile, summaryJson } from './load-summary.js';

/**
 * autocannon's result object as `autocannon --json` prints it (lib/run.js, the result): `url`,
 * `duration` (s), `start` and `finish` (its own clock, used to place the run), the response
 * counts by status class `1xx` … `5xx`, `errors` (requests without a response, timeouts
 * included) and `latency` in milliseconds (`mean`, `max`, and percentiles `p50`, `p97_5`,
 * `p99_9`, …). Responses are the status-class counts; errors are the 4xx and 5xx responses plus
 * `errors`.
 */
type Result = Record<string, unknown>;

export const autocannon: Importer = {
  format: 'autocannon',
  readsStart: true,

  detect(source) {
    const head = headText(source)?.trimStart();
    return (
      head !== undefined &&
      head.startsWith('{') &&
      /"connections"\s*:/.test(head) &&
      /"latency"\s*:\s*\{/.test(head) &&
      /"2xx"\s*:/.test(head)
    );
  },

  async *parse(source, context) {
    const file = summaryFile(source, 'autocannon');
    const result = (await summaryJson(file, 'autocannon')) as Result;
    if (!isObject(result)) throw missingFigure(file, 'autocannon', 'result object');
    const durationSeconds = finite(result.duration);
    if (durationSeconds === undefined) throw missingFigure(file, 'autocannon', '"duration"');
    const byClass = ['1xx', '2xx', '3xx', '4xx', '5xx'].map((k) => finite(result[k]));
    if (byClass.some((v) => v === undefined))
      throw missingFigure(file, 'autocannon', 'response counts 1xx … 5xx');
    const [c1, c2, c3, c4, c5] = byClass as number[];
    const latencyMs = isObject(result.latency) ? result.latency : {};
    const latency: [number, number][] = [];
    for (const [key, value] of Object.entries(latencyMs)) {
      const p = /^p(\d+)(?:_(\d+))?$/.exec(key);
      const ms = finite(value);
      if (p && ms !== undefined) latency.push([Number(`${p[1]}.${p[2] ?? '0'}`) / 100, ms / 1000]);
    }
    const max = finite(latencyMs.max);
    if (max !== undefined) latency.push([1, max / 1000]);
    latency.sort((a, b) => a[0] - b[0]);
    const mean = finite(latencyMs.mean);
    const start = typeof result.start === 'string' ? Date.parse(result.start) : NaN;
    yield summaryBatch(
      {
        tool: 'autocannon',
        target: typeof result.url === 'string' ? result.url : undefined,
        durationSeconds,
        responses: c1! + c2! + c3! + c4! + c5!,
        errors: c4! + c5! + (finite(result.errors) ?? 0),
        latency,
        latencyMeanSeconds: mean === undefined ? undefined : mean / 1000,
        startMs: Number.isFinite(start) ? start : undefined,
      },
      file,
      context,
    );
  },
};
