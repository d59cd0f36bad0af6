import type { Importer } from './importer.js';
import type { TextLine } from './lines.js';
import { badLine, headText, missingFigure, summaryBatch, summaryFile, summaryLines } from './load-summary.js';

/**
 * ApacheBench's report (support/ab.c, output_results): `Server Hostname:`, `Server Port:`,
 * `Document Path:`, `Time taken for tests: 0.746 seconds`, `Complete requests: 1000`,
 * `Failed requests: n` with, when n > 0, `(Connect: a, Receive: b, Length: c, Exceptions: d)`,
 * `Non-2xx responses: n` when any, `Time per request: 5.970 [ms] (mean)`, and the percentiles
 * `50%  3` in whole milliseconds (`100%  25 (longest request)`). Errors are the non-2xx
 * responses plus connect, receive and exception failures; a "Length" failure is a response whose
 * size differs from the first one's (normal for dynamic pages), not an error.
 */
const BANNER = /^This is ApacheBench, Version /m;
const FIELD = /^([A-Za-z][A-Za-z0-9 -]*[a-z]):\s+(.*)$/;
const FAILED_DETAIL = /^\(Connect: (\d+), Receive: (\d+), Length: (\d+), Exceptions: (\d+)\)$/;
const PERCENTILE = /^(\d+)%\s+(\d+)(?: \(longest request\))?$/;

export const ab: Importer = {
  format: 'ab',
  readsStart: true,

  detect(source) {
    const head = headText(source);
    return head !== undefined && BANNER.test(head);
  },

  async *parse(source, context) {
    const file = summaryFile(source, 'ab');
    const fields = new Map<string, TextLine>();
    const latency: [number, number][] = [];
    let errors = 0;
    for (const line of await summaryLines(file, 'ab')) {
      const text = line.text.trim();
      let m: RegExpExecArray | null;
      if ((m = PERCENTILE.exec(text))) latency.push([Number(m[1]) / 100, Number(m[2]) / 1000]);
      else if ((m = FAILED_DETAIL.exec(text))) errors += Number(m[1]) + Number(m[2]) + Number(m[4]);
      else if ((m = FIELD.exec(text)) && !fields.has(m[1]!))
        fields.set(m[1]!, { text: m[2]!, line: line.line });
    }
    const number = (name: string, pattern: RegExp): number | undefined => {
      const field = fields.get(name);
      if (field === undefined) return undefined;
      const m = pattern.exec(field.text);
      if (!m) throw badLine(file, field, 'ab', `${name}: a number`);
      return Number(m[1]);
    };
    const durationSeconds = number('Time taken for tests', /^([\d.]+) seconds$/);
    const responses = number('Complete requests', /^(\d+)$/);
    if (durationSeconds === undefined) throw missingFigure(file, 'ab', '"Time taken for tests" line');
    if (responses === undefined) throw missingFigure(file, 'ab', '"Complete requests" line');
    errors += number('Non-2xx responses', /^(\d+)$/) ?? 0;
    const meanMs = number('Time per request', /^([\d.]+) \[ms\] \(mean\)$/);
    const host = fields.get('Server Hostname')?.text;
    const port = fields.get('Server Port')?.text;
    const path = fields.get('Document Path')?.text;
    const target = host && port && path ? `${host}:${port}${path}` : undefined;
    yield summaryBatch(
      {
        tool: 'ab',
        target,
        durationSeconds,
        responses,
        errors,
        latency,
        latencyMeanSeconds: meanMs === undefined ? undefined : meanMs / 1000,
      },
      file,
      context,
    );
  },
};
