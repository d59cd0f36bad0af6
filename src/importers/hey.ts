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
 * hey's default report (requester/print.go, defaultTmpl): `Summary:` with `Total:`, `Slowest:`,
 * `Fastest:`, `Average:` in seconds, a `Latency distribution:` of `50% in 0.0035 secs` lines,
 * `Status code distribution:` of `[200]  4133 responses` lines and, when requests failed without
 * a response, `Error distribution:` of `[2300]  <error>` lines. Responses are the status-code
 * counts; errors are the responses with status 400 or above plus the failed requests.
 */
const SUMMARY = /^Summary:\s*$/m;
const FIGURE = /^(Total|Slowest|Average):\s+(\S+ secs)$/;
const PERCENTILE = /^(\d+(?:\.\d+)?)% in (\S+ secs)$/;
const STATUS = /^\[(\d{3})\]\s+(\d+) responses$/;
const ERROR = /^\[(\d+)\]\s+\S/;

export const hey: Importer = {
  format: 'hey',
  readsStart: true,

  detect(source) {
    const head = headText(source);
    return head !== undefined && SUMMARY.test(head) && /^\s+Requests\/sec:\s/m.test(head);
  },

  async *parse(source, context) {
    const file = summaryFile(source, 'hey');
    const figures: Record<string, number> = {};
    const latency: [number, number][] = [];
    let responses = 0;
    let errors = 0;
    let section = '';
    for (const line of await summaryLines(file, 'hey')) {
      const text = line.text.trim();
      if (/^[A-Z][A-Za-z ]+:$/.test(text)) {
        section = text;
        continue;
      }
      let m: RegExpExecArray | null;
      if (section === 'Summary:' && (m = FIGURE.exec(text))) {
        const seconds = parseToolDuration(m[2]!);
        if (seconds === undefined) throw badLine(file, line, 'hey', `${m[1]}: <seconds> secs`);
        figures[m[1]!] = seconds;
      } else if (section === 'Latency distribution:' && (m = PERCENTILE.exec(text))) {
        const seconds = parseToolDuration(m[2]!);
        if (seconds === undefined) throw badLine(file, line, 'hey', 'N% in <seconds> secs');
        latency.push([Number(m[1]) / 100, seconds]);
      } else if (section === 'Status code distribution:' && (m = STATUS.exec(text))) {
        const count = Number(m[2]);
        responses += count;
        if (Number(m[1]) >= 400) errors += count;
      } else if (section === 'Error distribution:' && (m = ERROR.exec(text))) errors += Number(m[1]);
    }
    const durationSeconds = figures.Total;
    if (durationSeconds === undefined) throw missingFigure(file, 'hey', '"Total: <seconds> secs" line');
    if (figures.Slowest !== undefined) latency.push([1, figures.Slowest]);
    yield summaryBatch(
      { tool: 'hey', durationSeconds, responses, errors, latency, latencyMeanSeconds: figures.Average },
      file,
      context,
    );
  },
};
