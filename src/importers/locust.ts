import Papa from 'papaparse';
import * as msg from '../base/messages.js';
import type { Importer } from './importer.js';
import { badLine, headText, missingFigure, summaryBatch, summaryFile, summaryLines } from './load-summary.js';

/**
 * locust's `--csv <prefix>` statistics, `<prefix>_stats.csv` (locust/stats.py, StatsCSV): one
 * row per endpoint and an `Aggregated` row, which is the one read. Columns by name: `Request
 * Count`, `Failure Count`, `Average Response Time` (ms), `Requests/s`, and the percentile columns
 * `50%` … `100%` (ms; `N/A` before any request). locust counts failed requests among its
 * requests, so responses are the request count and errors the failure count. The file holds no
 * run time: the duration is the request count over the request rate (recorded as a warning).
 */
const HEADER = /^"?Type"?,"?Name"?,"?Request Count"?,"?Failure Count"?,/;

/** One CSV row as Python's csv module writes it (quotes where needed, "" inside quotes). */
function splitCsv(text: string): string[] {
  return Papa.parse<string[]>(text, { delimiter: ',' }).data[0] ?? [];
}

export const locust: Importer = {
  format: 'locust',
  readsStart: true,

  detect(source) {
    const head = headText(source);
    return head !== undefined && HEADER.test(head.replace(/^\uFEFF/, ''));
  },

  async *parse(source, context) {
    const file = summaryFile(source, 'locust');
    const lines = await summaryLines(file, 'locust');
    const header = splitCsv(lines[0]?.text.replace(/^\uFEFF/, '') ?? '');
    const column = (name: string) => header.indexOf(name);
    const aggregated = lines.slice(1).find((l) => splitCsv(l.text)[column('Name')] === 'Aggregated');
    if (!aggregated) throw missingFigure(file, 'locust', '"Aggregated" row');
    const cells = splitCsv(aggregated.text);
    if (cells.length !== header.length) throw badLine(file, aggregated, 'locust', `${header.length} columns`);
    const value = (name: string): number | undefined => {
      const i = column(name);
      if (i < 0 || cells[i] === 'N/A' || cells[i] === '') return undefined;
      const v = Number(cells[i]);
      if (!Number.isFinite(v)) throw badLine(file, aggregated, 'locust', `a number in column "${name}"`);
      return v;
    };
    const responses = value('Request Count');
    const rate = value('Requests/s');
    if (responses === undefined) throw missingFigure(file, 'locust', '"Request Count" column');
    if (rate === undefined || rate <= 0) throw missingFigure(file, 'locust', 'request rate ("Requests/s")');
    const latency: [number, number][] = [];
    header.forEach((name, i) => {
      const p = /^(\d+(?:\.\d+)?)%$/.exec(name);
      const ms = p ? value(name) : undefined;
      if (p && ms !== undefined && i >= 0) latency.push([Number(p[1]) / 100, ms / 1000]);
    });
    const mean = value('Average Response Time');
    yield summaryBatch(
      {
        tool: 'locust',
        durationSeconds: responses / rate,
        responses,
        errors: value('Failure Count'),
        latency,
        latencyMeanSeconds: mean === undefined ? undefined : mean / 1000,
        warnings: [msg.loadDurationFromRate('locust')],
      },
      file,
      context,
    );
  },
};
