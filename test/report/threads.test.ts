import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePromJson } from '../../bench/generate.js';
import { DEFAULT_NOTEBOOK, renderReport, type ReportFormat } from '../../src/report/report.js';
import { TraceDatabase } from '../../src/store/database.js';
import { tempDir } from '../helpers/cli.js';
import { cliAsync } from '../helpers/cli-async.js';

/**
 * The report runs on every core, and a parallel aggregation adds its rows in a varying order:
 * its bytes must still not depend on how DuckDB splits the work (exact_sum() and tie-free
 * arg_max, src/models/006-aggregates.sql). A capture large enough for DuckDB to split every
 * scan (1.2M samples: about ten row groups per table), rendered on 1 thread and on 4.
 */
describe('report bytes on any number of threads', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);
  const db = join(tmp.dir, 'big.duckdb');

  beforeAll(async () => {
    const file = join(tmp.dir, 'big.json');
    await writePromJson(file, { series: 40, points: 30_000 }); // 10 processes, 8.3 h at 1 s
    const run = await cliAsync(['import', file, '--db', db, '--deployment', 'big']);
    expect(run.status, run.stderr).toBe(0);
  }, 120_000);

  async function render(threads: number, format: ReportFormat): Promise<string> {
    const opened = await TraceDatabase.open(db, { readOnly: true });
    try {
      await opened.run(`SET threads = ${threads}`);
      return await renderReport(opened, { format, version: 'test', generatedAt: new Date(0) });
    } finally {
      opened.close();
    }
  }

  /** Where two texts first differ, with some context (the texts are megabytes). Vega numbers
   * the SVG clip paths of a process from a counter, so a second render in one process has other
   * ids: those are left out. */
  function firstDifference(a: string, b: string): string | null {
    if (a === b) return null;
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    return `at ${i}: ${JSON.stringify(a.slice(i - 60, i + 60))} vs ${JSON.stringify(b.slice(i - 60, i + 60))}`;
  }

  it.each(['json', 'html'] as const)(
    '%s is the same on 1 and on 4 threads',
    async (format) => {
      const clipIds = (text: string) => text.replace(/clip\d+/g, 'clip');
      const one = clipIds(await render(1, format));
      const four = clipIds(await render(4, format));
      expect(one.length).toBeGreaterThan(10_000);
      expect(firstDifference(one, four)).toBeNull();
    },
    180_000,
  );

  it('tells each stage as it starts, charts one by one, for the progress line', async () => {
    const stages: string[] = [];
    const opened = await TraceDatabase.open(db, { readOnly: true });
    try {
      await renderReport(opened, {
        format: 'html',
        version: 'test',
        generatedAt: new Date(0),
        progress: (stage) => stages.push(stage),
      });
    } finally {
      opened.close();
    }
    const charts = stages.filter((s) => s.startsWith('charts'));
    // the default notebook's vega-lite blocks, counted in its text
    const blocks = readFileSync(DEFAULT_NOTEBOOK, 'utf8').match(/^```vega-lite\b/gm)!.length;
    expect(charts).toEqual(Array.from({ length: blocks }, (_, i) => `charts (${i + 1} of ${blocks})`));
    expect(stages.filter((s) => !s.startsWith('charts'))).toEqual([
      'models',
      'containers',
      'notebook queries',
      'writing',
    ]);
  }, 180_000);
});
