import { describe, expect, it } from 'vitest';
import { cliAsync } from '../helpers/cli-async.js';

// --phase reaches every format: the JSON's phases, and the verdict of the Markdown and HTML
// reports grouped by those phases (name and length), not by the detected ones.
describe('report --phase in every format', () => {
  const args = ['report', 'samples/real-capture-1', '--phase', 'warm=0s..20s', '--phase', 'busy=20s..80s'];
  const run = (format: string) =>
    cliAsync([...args, '--format', format], { env: { SOURCE_DATE_EPOCH: '0' } });

  it('JSON, Markdown and HTML show the same phases', async () => {
    const [json, md, html] = await Promise.all([run('json'), run('md'), run('html')]);
    for (const r of [json, md, html]) expect(r.status, r.stderr).toBe(0);
    const deployments = (
      JSON.parse(json.stdout) as {
        deployments: { name: string; phases: { name: string; seconds: number }[] }[];
      }
    ).deployments;
    for (const d of deployments)
      expect(d.phases.map((p) => [p.name, p.seconds])).toEqual([
        ['warm', 20],
        ['busy', 60],
      ]);
    const groups = (cells: string[]) => cells.join(' | ');
    const lengths = (seconds: number) => deployments.map(() => `${seconds} s`);
    for (const [name, seconds] of [
      ['warm', 20],
      ['busy', 60],
    ] as const) {
      expect(md.stdout).toContain(`| ${groups([name, ...lengths(seconds)].map((c) => `**${c}**`))} |`);
      expect(html.stdout).toContain(
        `<tr class="group"><th>${name}</th>${lengths(seconds)
          .map((c) => `<th class="num">${c}</th>`)
          .join('')}</tr>`,
      );
    }
    // the detected phases are gone from both
    for (const text of [md.stdout, html.stdout]) expect(text).not.toMatch(/idle before load|idle after load/);
  }, 120_000);
});
