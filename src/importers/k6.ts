import { finite, isObject } from '../base/json.js';
import type { Importer } from './importer.js';
import {
  headText,
  missingFigure,
  summaryBatch,
  summaryFile,
  summaryJson,
  type LoadSummary,
} from './load-summary.js';
import * as msg from '../base/messages.js';

/**
 * k6's end-of-test summary as JSON, in both of its shapes: `k6 run --summary-export=f.json`
 * (each metric's figures directly under its name: `"http_reqs": {"count": n, "rate": r}`) and
 * the `data` object handleSummary() receives, as `JSON.stringify(data)` writes it (figures under
 * `values`, the run time in `state.testRunDurationMs`). Read: `http_reqs` (requests), the
 * `http_req_failed` rate (its `passes` count the failed requests: the metric is 1 for a
 * failure), and `http_req_duration` in milliseconds (`med`, `p(N)`, `max`, `avg`). Without
 * `state` the duration is the request count over the request rate.
 */
type Figures = Record<string, unknown>;

export const k6: Importer = {
  format: 'k6',
  readsStart: true,

  detect(source) {
    const head = headText(source)?.trimStart();
    return (
      head !== undefined && head.startsWith('{') && /"metrics"\s*:/.test(head) && /"http_reqs"\s*:/.test(head)
    );
  },

  async *parse(source, context) {
    const file = summaryFile(source, 'k6');
    const doc = (await summaryJson(file, 'k6')) as {
      metrics?: unknown;
      state?: { testRunDurationMs?: unknown };
    };
    const metrics = isObject(doc) && isObject(doc.metrics) ? doc.metrics : undefined;
    if (!metrics) throw missingFigure(file, 'k6', '"metrics" object');
    const figures = (name: string): Figures | undefined => {
      const metric = metrics[name];
      if (!isObject(metric)) return undefined;
      return isObject(metric.values) ? metric.values : metric;
    };
    const reqs = figures('http_reqs');
    const responses = finite(reqs?.count);
    if (responses === undefined) throw missingFigure(file, 'k6', 'http_reqs count');

    const warnings: string[] = [];
    let durationSeconds: number | undefined;
    const runMs = isObject(doc) && isObject(doc.state) ? finite(doc.state.testRunDurationMs) : undefined;
    if (runMs !== undefined) durationSeconds = runMs / 1000;
    else {
      const rate = finite(reqs?.rate);
      if (rate === undefined || rate <= 0)
        throw missingFigure(file, 'k6', 'run time (state.testRunDurationMs or http_reqs rate)');
      durationSeconds = responses / rate;
      warnings.push(msg.loadDurationFromRate('k6'));
    }

    const latency: [number, number][] = [];
    const duration = figures('http_req_duration') ?? {};
    for (const [key, value] of Object.entries(duration)) {
      const ms = finite(value);
      if (ms === undefined) continue;
      const p = /^p\((\d+(?:\.\d+)?)\)$/.exec(key);
      if (p) latency.push([Number(p[1]) / 100, ms / 1000]);
      else if (key === 'med') latency.push([0.5, ms / 1000]);
      else if (key === 'max') latency.push([1, ms / 1000]);
    }
    latency.sort((a, b) => a[0] - b[0]);
    const avg = finite(duration.avg);
    const summary: LoadSummary = {
      tool: 'k6',
      durationSeconds,
      responses,
      errors: finite(figures('http_req_failed')?.passes),
      latency,
      latencyMeanSeconds: avg === undefined ? undefined : avg / 1000,
      warnings,
    };
    yield summaryBatch(summary, file, context);
  },
};
