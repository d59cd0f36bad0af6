import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, type CliRun } from '../helpers/cli.js';
import { cliAsync } from '../helpers/cli-async.js';
import { golden } from '../helpers/golden.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const ENV = { SOURCE_DATE_EPOCH: '1800000000' };

/** Numbers rounded (Observable Plot's snapshot rule), so float noise is not a visual change. */
function roundNumbers(svg: string): string {
  return svg.replace(/-?\d+\.\d+/g, (n) => String(Math.round(Number(n) * 10) / 10));
}

describe('report goldens on the sample capture', () => {
  const html = join(tmp.dir, 'r.html');
  let run: CliRun;
  beforeAll(async () => {
    run = await cliAsync(['report', 'samples/real-capture-1', '-o', html], { env: ENV });
  });

  it('static SVG of every chart', async () => {
    expect(run.status, run.stderr).toBe(0);
    const text = readFileSync(html, 'utf8');
    const svgs = [...text.matchAll(/<div class="chart-static">(<svg[\s\S]*?<\/svg>)<\/div>/g)].map(
      (m) => m[1]!,
    );
    expect(svgs).toHaveLength(5);
    svgs.forEach((svg, i) => golden(`sample-chart-${i + 1}.svg`, `${roundNumbers(svg)}\n`));
  });

  it('Markdown report', async () => {
    const md = await cliAsync(['report', 'samples/real-capture-1', '--format', 'md'], { env: ENV });
    expect(md.status, md.stderr).toBe(0);
    golden('sample-report.md', md.stdout);
  });

  it('Markdown of the counter-pitfall notebook', async () => {
    const md = await cliAsync(
      ['report', 'samples/real-capture-1', '--notebook', 'notebooks/counter-pitfall.md', '--format', 'md'],
      {
        env: ENV,
      },
    );
    expect(md.status, md.stderr).toBe(0);
    golden('counter-pitfall.md', md.stdout);
  });

  it('same inputs and SOURCE_DATE_EPOCH give the same bytes', async () => {
    const again = join(tmp.dir, 'r2.html');
    expect((await cliAsync(['report', 'samples/real-capture-1', '-o', again], { env: ENV })).status).toBe(0);
    expect(readFileSync(again).equals(readFileSync(html))).toBe(true);
  });
});
