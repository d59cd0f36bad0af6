import type { Importer } from './importer.js';
import {
  badLine,
  headText,
  missingFigure,
  parseToolDuration,
  summaryBatch,
  summaryFile,
  summaryLines,
} from './load-summary.js';

/**
 * wrk's summary as it prints it (src/wrk.c, main and print_stats): `Running 3s test @ <url>`,
 * the thread-stats table whose `Latency` row gives avg / stdev / max, with `--latency` a
 * `Latency Distribution` of `50%  3.58ms` lines, then `N requests in 3.03s, ... read`, and, when
 * any occurred, `Socket errors: connect a, read b, write c, timeout d` and `Non-2xx or 3xx
 * responses: n`. wrk counts a response of any status as a request; errors are the non-2xx/3xx
 * responses plus the socket errors.
 */
const RUNNING = /^Running \S+ test @ (\S+)/;
const REQUESTS = /^(\d+) requests in (\S+?),/;
const LATENCY_ROW = /^Latency\s+(\S+)\s+\S+\s+(\S+)/;
const PERCENTILE = /^(\d+(?:\.\d+)?)%\s+(\S+)$/;
const SOCKET_ERRORS = /^Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)$/;
const NON_2XX = /^Non-2xx or 3xx responses: (\d+)$/;

export const wrk: Importer = {
  format: 'wrk',
  readsStart: true,

  detect(source) {
    const head = headText(source);
    return head !== undefined && RUNNING.test(head.trimStart()) && /\d+ requests in /.test(head);
  },

  async *parse(source, context) {
    const file = summaryFile(source, 'wrk');
    let target: string | undefined;
    let responses: number | undefined;
    let durationSeconds: number | undefined;
    let errors = 0;
    let mean: number | undefined;
    let max: number | undefined;
    const latency: [number, number][] = [];
    let inDistribution = false;
    for (const line of await summaryLines(file, 'wrk')) {
      const text = line.text.trim();
      let m: RegExpExecArray | null;
      if ((m = PERCENTILE.exec(text)) && inDistribution) {
        const seconds = parseToolDuration(m[2]!);
        if (seconds === undefined) throw badLine(file, line, 'wrk', 'a percentile and a latency');
        latency.push([Number(m[1]) / 100, seconds]);
        continue;
      }
      inDistribution = text.startsWith('Latency Distribution');
      if ((m = RUNNING.exec(text))) target = m[1];
      else if ((m = LATENCY_ROW.exec(text))) {
        mean = parseToolDuration(m[1]!);
        max = parseToolDuration(m[2]!);
        if (mean === undefined || max === undefined)
          throw badLine(file, line, 'wrk', 'Latency avg stdev max');
      } else if ((m = REQUESTS.exec(text))) {
        responses = Number(m[1]);
        durationSeconds = parseToolDuration(m[2]!);
        if (durationSeconds === undefined) throw badLine(file, line, 'wrk', 'N requests in <duration>');
      } else if ((m = SOCKET_ERRORS.exec(text)))
        errors += Number(m[1]) + Number(m[2]) + Number(m[3]) + Number(m[4]);
      else if ((m = NON_2XX.exec(text))) errors += Number(m[1]);
    }
    if (responses === undefined || durationSeconds === undefined)
      throw missingFigure(file, 'wrk', '"N requests in <duration>" line');
    if (max !== undefined) latency.push([1, max]);
    yield summaryBatch(
      { tool: 'wrk', target, durationSeconds, responses, errors, latency, latencyMeanSeconds: mean },
      file,
      context,
    );
  },
};
