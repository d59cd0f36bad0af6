import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's chromium, driven by playwright-core (no browser download), offline and quiet.
 * playwright's launch() gives every browser a fresh temporary profile (user-data-dir) itself.
 */
export async function launchChromium(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return { browser, close: () => browser.close() };
}
