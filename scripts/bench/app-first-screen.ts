/**
 * The Blink app's time to its first screen in Chromium (Debian's, through playwright-core, as test/browser runs it),
 * on the local runtime at a phone's size: from the navigation to the first screen's heading being visible. Cold loads
 * use a fresh browser context each (nothing cached, no service worker); warm loads reopen the app in one context (the
 * service worker serves the shell). The baseline is a navigation to GET /health on the same server, measured the same
 * way in the same run. Without Chromium the bench says it skipped this part.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startLocalBlink } from '../../local/runtime.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const loads = Number(process.env.BENCH_APP_LOADS ?? 9);
const viewport = { width: 390, height: 844 };
/** The app shows one `.screen` at a time; its heading is the first thing an employee reads. */
const FIRST_SCREEN = '.screen:not([hidden]) h1';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Wall time from starting the navigation to `selector` being visible. */
async function timeToVisible(page: Page, url: string, selector: string): Promise<number> {
  const started = performance.now();
  await page.goto(url, { waitUntil: 'commit' });
  await page.locator(selector).first().waitFor({ state: 'visible' });
  return performance.now() - started;
}

/** Median of `loads` navigations, each in a fresh context (cold) or all in one context after a first visit (warm). */
async function medianLoad(browser: Browser, url: string, selector: string, warm: boolean): Promise<number> {
  const samples: number[] = [];
  const shared = warm ? await browser.newContext({ viewport }) : undefined;
  try {
    if (shared) {
      const first = await shared.newPage();
      await timeToVisible(first, url, selector);
      await first.evaluate('navigator.serviceWorker ? navigator.serviceWorker.ready.then(() => true) : true');
      await first.close();
    }
    for (let load = 0; load < loads; load += 1) {
      const context = shared ?? (await browser.newContext({ viewport }));
      const page = await context.newPage();
      samples.push(await timeToVisible(page, url, selector));
      await page.close();
      if (!shared) await context.close();
    }
  } finally {
    await shared?.close();
  }
  return median(samples);
}

export async function benchAppFirstScreen(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    console.log(`\nBlink app time to first screen: skipped (no Chromium at ${CHROMIUM}; set CHROMIUM_PATH)`);
    return;
  }
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  const blink = await startLocalBlink({ port: 0, directory: 'demo', lockoutScanIntervalSeconds: 3600 });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const app = `${blink.publicBaseUrl}/app/`;
    const health = `${blink.publicBaseUrl}/health`;
    // The local runtime builds the app on its first request: not part of any load measured here.
    await (await fetch(app)).arrayBuffer();
    const baseline = await medianLoad(browser, health, 'body', false);
    const cold = await medianLoad(browser, app, FIRST_SCREEN, false);
    const warm = await medianLoad(browser, app, FIRST_SCREEN, true);
    console.log(`\nBlink app time to first screen in Chromium (390×844, median of ${loads} loads)`);
    console.log('| load | ms | ratio to baseline |');
    console.log('|---|---:|---:|');
    console.log(`| baseline: GET /health, same server | ${baseline.toFixed(1)} | 1.00× |`);
    console.log(`| app, cold (fresh context) | ${cold.toFixed(1)} | ${(cold / baseline).toFixed(2)}× |`);
    console.log(`| app, warm (service worker shell) | ${warm.toFixed(1)} | ${(warm / baseline).toFixed(2)}× |`);
  } finally {
    await browser.close();
    await blink.stop();
  }
}
