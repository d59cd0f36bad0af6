import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { ROOT, tempDir } from '../helpers/cli.js';
import { cliAsync } from '../helpers/cli-async.js';
import { HOSTILE_DEPLOYMENT, HOSTILE_PROCESS, hostileDatabase } from '../helpers/hostile.js';

const tmp = tempDir();
let browser: Browser;
let closeBrowser: () => Promise<void>;
const SAMPLE_REPORT = join(tmp.dir, 'report.html');
const HOSTILE_REPORT = join(tmp.dir, 'hostile.html');
const SCREENSHOT = process.env.TRACE_ANALYZE_SCREENSHOT;

beforeAll(async () => {
  // The README's main command, on the bundled sample capture.
  const r = await cliAsync(['report', join(ROOT, 'samples/real-capture-1'), '-o', SAMPLE_REPORT]);
  expect(r.status, r.stderr).toBe(0);
  const db = await hostileDatabase(tmp.dir);
  const h = await cliAsync(['report', '--db', db, '-o', HOSTILE_REPORT]);
  expect(h.status, h.stderr).toBe(0);
  ({ browser, close: closeBrowser } = await launchChromium());
}, 180_000);
afterAll(async () => {
  await closeBrowser?.();
  tmp.cleanup();
});

interface Visit {
  page: Page;
  requests: string[];
  errors: string[];
  dialogs: string[];
}

/** Opens a report from file:// with every non-file request aborted (and recorded). */
async function open(path: string, javaScriptEnabled = true): Promise<Visit> {
  const context = await browser.newContext({ javaScriptEnabled, viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const visit: Visit = { page, requests: [], errors: [], dialogs: [] };
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file://')) return route.continue();
    visit.requests.push(url);
    return route.abort();
  });
  page.on('request', (req) => {
    if (!req.url().startsWith('file://')) visit.requests.push(req.url());
  });
  page.on('console', (m) => {
    if (m.type() === 'error') visit.errors.push(m.text());
  });
  page.on('pageerror', (e) => visit.errors.push(String(e)));
  page.on('dialog', (d) => {
    visit.dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(pathToFileURL(path).href);
  return visit;
}

async function waitForCharts(page: Page): Promise<number> {
  // A string runs in the page (this file is type-checked without the DOM library).
  await page.waitForFunction(
    `document.querySelectorAll('figure.chart').length > 0 &&
     document.querySelectorAll('figure.chart.live').length === document.querySelectorAll('figure.chart').length`,
    null,
    { timeout: 60_000 },
  );
  return page.locator('figure.chart').count();
}

describe('the HTML report in headless Chromium, offline from file://', () => {
  it('renders every chart interactively (with tooltips) with zero console errors and zero network requests', async () => {
    const { page, requests, errors } = await open(SAMPLE_REPORT);
    const charts = await waitForCharts(page);
    expect(charts).toBe(5);
    // Each live view is a real Vega SVG with marks drawn.
    for (let i = 0; i < charts; i++) {
      const live = page.locator('figure.chart').nth(i).locator('.chart-live svg');
      await expect.poll(() => live.count()).toBe(1);
      expect(await live.locator('path').count()).toBeGreaterThan(0);
    }
    // Tooltips: find a line of the pool-CPU chart under a vertical scan, then hover along it.
    const svg = page.locator('figure.chart').first().locator('.chart-live svg');
    await svg.scrollIntoViewIfNeeded();
    const box = (await svg.boundingBox())!;
    const x = box.x + box.width * 0.4;
    let lineY: number | null = null;
    for (let y = box.y; y < box.y + box.height && lineY === null; y++) {
      const hit = await page.evaluate(
        `(document.elementFromPoint(${x}, ${y})?.parentNode?.getAttribute?.('class') ?? '').includes('mark-line')`,
      );
      if (hit) lineY = y;
    }
    expect(lineY).not.toBeNull();
    for (let dx = 0; dx < 40; dx += 4) await page.mouse.move(x + dx, lineY!);
    await expect
      .poll(() => page.evaluate(`document.getElementById('vg-tooltip-element')?.textContent ?? ''`))
      .toMatch(/bucket start \(UTC\)\d{4}-\d\d-\d\d \d\d:\d\d:\d\dcores\d/);
    await page.mouse.move(0, 0);
    await page.waitForTimeout(300);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    // TRACE_ANALYZE_SCREENSHOT=docs/report-screenshot.png writes the README's screenshot.
    if (SCREENSHOT)
      await page.screenshot({
        path: SCREENSHOT,
        fullPage: true,
        clip: { x: 0, y: 0, width: 1100, height: 1900 },
      });
    await page.context().close();
  });

  it('with JavaScript disabled, the static SVG charts and the tables are visible', async () => {
    const { page, requests } = await open(SAMPLE_REPORT, false);
    const figures = page.locator('figure.chart');
    expect(await figures.count()).toBe(5);
    for (let i = 0; i < 5; i++) {
      const svg = figures.nth(i).locator('.chart-static svg');
      expect(await svg.isVisible()).toBe(true);
      const box = await svg.boundingBox();
      expect(box!.width).toBeGreaterThan(200);
      expect(box!.height).toBeGreaterThan(100);
    }
    expect(await page.locator('table.verdict').isVisible()).toBe(true);
    expect(await page.locator('table.verdict tbody tr').count()).toBeGreaterThan(3);
    expect(await page.locator('table.inputs').isVisible()).toBe(true);
    expect(requests).toEqual([]);
    await page.context().close();
  });

  it('shows hostile label values as text and executes nothing', async () => {
    const { page, requests, errors, dialogs } = await open(HOSTILE_REPORT);
    await waitForCharts(page);
    await page.waitForTimeout(300);
    const text = await page.locator('main').innerText();
    expect(text).toContain(HOSTILE_PROCESS);
    expect(text).toContain(HOSTILE_DEPLOYMENT);
    // ...and in the static and live SVG of the per-process chart (legend labels).
    expect(await page.locator('figure.chart svg text', { hasText: 'pwned=1' }).count()).toBeGreaterThan(0);
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.evaluate('typeof window.pwned')).toBe('undefined');
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.context().close();
  });

  it('stays under the 2 MB size budget', () => {
    expect(existsSync(SAMPLE_REPORT)).toBe(true);
    expect(readFileSync(SAMPLE_REPORT).length).toBeLessThan(2 * 1024 * 1024);
  });
});
