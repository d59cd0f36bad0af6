/**
 * Hostile text from every kind of input reaches the report only as text: process names from
 * /proc (comm, command lines), label values with markup and `javascript:` URLs, and the
 * warnings a Prometheus body carries. Checked in Chromium (nothing executes, no link or image
 * is made from data) and in the Markdown (no raw HTML to paste into a wiki).
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { CAPTURE, tempDir } from '../helpers/cli.js';
import { cliAsync } from '../helpers/cli-async.js';
import { materialize } from '../fuzz/harness.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

const SCRIPT = '</script><script>window.pwned="script"</script>';
const IMG = '<img src=x onerror="window.pwned=\'img\'">';
const LINK = 'javascript:window.pwned="link"';
const ANCHOR = '<a href="javascript:window.pwned=\'anchor\'">click</a>';
const COMM = '<b>x</b>)(y';
const DB = join(tmp.dir, 'hostile.duckdb');
const HTML = join(tmp.dir, 'hostile.html');
const MD = join(tmp.dir, 'hostile.md');

/** The real uvicorn-spawn /proc snapshots with every process's comm and command line made hostile. */
function hostileSnapshots(): string {
  const root = join(CAPTURE, 'procsnap/uvicorn-spawn');
  const files: Record<string, Buffer> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const rel = relative(root, full);
        let bytes = readFileSync(full);
        if (/\/proc\/\d+\/stat$/.test(rel))
          bytes = Buffer.from(
            bytes.toString('latin1').replace(/^(\d+) \(.*\) /s, (_m, pid: string) => `${pid} (${COMM}) `),
          );
        else if (/\/proc\/\d+\/cmdline$/.test(rel)) bytes = Buffer.from(`${SCRIPT}\0${LINK}\0${IMG}\0`);
        else if (/\/proc\/\d+\/status$/.test(rel))
          bytes = Buffer.from(bytes.toString('utf8').replace(/^Name:\t.*$/m, `Name:\t${COMM}`));
        files[rel] = bytes;
      }
    }
  };
  walk(root);
  return materialize({ kind: 'dir', name: 'snapshots', files }, join(tmp.dir, 'procsnap'));
}

/** A Prometheus body whose process names and warnings are hostile. */
function hostileBody(deploymentScale: number): string {
  const start = 1_800_000_000;
  const points = (f: (i: number) => number) =>
    Array.from({ length: 60 }, (_, i) => [start + i, String(f(i))]);
  const result = [SCRIPT, LINK, ANCHOR].flatMap((name, k) => [
    {
      metric: {
        __name__: 'namedprocess_namegroup_cpu_seconds_total',
        groupname: name,
        mode: 'user',
        job: IMG,
      },
      values: points((i) => 0.1 * (k + 1) * deploymentScale * i),
    },
    {
      metric: {
        __name__: 'namedprocess_namegroup_memory_bytes',
        groupname: name,
        memtype: 'resident',
        job: IMG,
      },
      values: points(() => 50e6 * (k + 1)),
    },
  ]);
  return JSON.stringify({
    status: 'success',
    data: { resultType: 'matrix', result },
    warnings: [`${SCRIPT} ${ANCHOR}`],
  });
}

beforeAll(async () => {
  for (const [deployment, scale] of [
    ['base', 1],
    [LINK, 2],
  ] as const) {
    const file = join(tmp.dir, `prom-${scale}.json`);
    writeFileSync(file, hostileBody(scale));
    const r = await cliAsync(['import', file, '--db', DB, '--deployment', deployment]);
    expect(r.status, r.stderr).toBe(0);
  }
  const snaps = await cliAsync([
    'import',
    hostileSnapshots(),
    '--db',
    DB,
    '--deployment',
    'base',
    '--format',
    'procfs',
  ]);
  expect(snaps.status, snaps.stderr).toBe(0);
  for (const [format, out] of [
    ['html', HTML],
    ['md', MD],
  ] as const) {
    const r = await cliAsync([
      'report',
      '--db',
      DB,
      '--format',
      format,
      '-o',
      out,
      '--title',
      `${SCRIPT}${IMG}`,
    ]);
    expect(r.status, r.stderr).toBe(0);
  }
}, 240_000);

describe('hostile text in the report', () => {
  it('in Chromium: shown as text, nothing executes, no link or image made from data', async () => {
    const { browser, close } = await launchChromium();
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      const dialogs: string[] = [];
      const requests: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file://')) return route.continue();
        requests.push(url);
        return route.abort();
      });
      await page.goto(pathToFileURL(HTML).href);
      await page.waitForFunction(
        `document.querySelectorAll('figure.chart.live').length === document.querySelectorAll('figure.chart').length`,
        null,
        { timeout: 60_000 },
      );
      await page.waitForTimeout(300);
      const text = await page.locator('body').innerText();
      for (const hostile of [SCRIPT, LINK, ANCHOR]) expect(text).toContain(hostile);
      expect(await page.title()).toBe(`${SCRIPT}${IMG}`);
      expect(await page.evaluate('typeof window.pwned')).toBe('undefined');
      // Only the report's own elements: no image, no link to a script URL, no <b> from a comm.
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.locator('a[href^="javascript:" i]').count()).toBe(0);
      expect(await page.locator('main b').count()).toBe(0);
      expect(dialogs).toEqual([]);
      expect(requests).toEqual([]);
      await context.close();
    } finally {
      await close();
    }
  });

  it('in Markdown: no raw HTML from data, escaped so a wiki shows it as text', () => {
    const md = readFileSync(MD, 'utf8');
    // CommonMark shows a backslash-escaped \< as a literal <: only an unescaped < starts HTML.
    expect(md).not.toMatch(/(?<!\\)<(script|img|a\s|b>|\/script)/i);
    expect(md).toContain('\\<img src=x onerror="window.pwned=\'img\'"\\>');
    expect(md).toContain(LINK.replace(/_/g, '\\_'));
  });
});
