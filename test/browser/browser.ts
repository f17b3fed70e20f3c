import { readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startLocalBlink, type LocalBlink, type LocalBlinkOptions } from '../../local/runtime.js';
import { startedForSuite } from '../support/suite-resource.js';

// In-page code is passed as strings: the project compiles without the DOM library.

/** Debian's Chromium (scripts/install-chromium.sh); playwright-core never downloads a browser here. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const screenshotDir = path.resolve(__dirname, '..', '..', 'test-results');
export const phoneViewport = { width: 390, height: 844 };
export const smallPhoneViewport = { width: 360, height: 740 };
export const desktopViewport = { width: 1280, height: 800 };

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * A fresh Chromium profile per suite (launchPersistentContext: chromium.launch() refuses a user data dir). `extraArgs`
 * adds Chromium switches (the fake camera of the app's scan test).
 */
export async function launchBrowser(extraArgs: string[] = []): Promise<TestBrowser> {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'blink-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...ARGS, ...extraArgs],
    viewport: phoneViewport,
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** What a page reported while a test drove it. */
export interface PageProblems {
  consoleErrors: string[];
  pageErrors: string[];
  /** Console errors, except Chromium's "Failed to load resource" lines for answers with the given statuses. */
  unexpectedConsoleErrors(allowedStatuses?: number[]): string[];
  /** CSP violations: the current document's securitypolicyviolation events plus Chromium's console reports. */
  cspViolations(): Promise<string[]>;
}

// Installed through the DevTools protocol before any page script runs, so the page's own CSP does not block it.
const RECORD_CSP_VIOLATIONS = `
  window.blinkCspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.blinkCspViolations.push(event.violatedDirective + ' ' + event.blockedURI);
  });
`;

/** Opens a page that records console errors, uncaught exceptions and CSP violations. */
export async function openPage(
  context: BrowserContext,
  viewport = phoneViewport,
): Promise<{ page: Page; problems: PageProblems }> {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  await page.addInitScript({ content: RECORD_CSP_VIOLATIONS });
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => pageErrors.push(`${error.name}: ${error.message}`));
  const problems: PageProblems = {
    consoleErrors,
    pageErrors,
    unexpectedConsoleErrors(allowedStatuses = []) {
      return consoleErrors.filter((text) => {
        const status = /Failed to load resource: the server responded with a status of (\d{3})/.exec(text)?.[1];
        return !(status && allowedStatuses.includes(Number(status)));
      });
    },
    async cspViolations() {
      const seen = (await page.evaluate('window.blinkCspViolations ?? []')) as string[];
      return [...seen, ...consoleErrors.filter((text) => /Content Security Policy/i.test(text))];
    },
  };
  return { page, problems };
}

/** Saves a full-page screenshot to test-results/ (gitignored; CI keeps it as an artifact). */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Whether the page scrolls sideways (it must not, down to 360 px wide). */
export async function hasHorizontalOverflow(page: Page): Promise<boolean> {
  return (await page.evaluate(
    'document.documentElement.scrollWidth > document.documentElement.clientWidth',
  )) as boolean;
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core in the page (through the DevTools protocol, so the page's CSP does not apply) and lists violations. */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(AXE_SOURCE);
  const result = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] })')) as {
    violations: Array<{ id: string; nodes: Array<{ target: string[] }> }>;
  };
  return result.violations.map(
    (violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
  );
}

/** Resizes the page to `viewport`, saves a screenshot as `name`, and checks that the page does not scroll sideways. */
export async function expectFitsAt(
  page: Page,
  viewport: { width: number; height: number },
  name: string,
): Promise<void> {
  await page.setViewportSize(viewport);
  await screenshot(page, name);
  expect(await hasHorizontalOverflow(page)).toBe(false);
}

/** The id of the element that has focus (for focus checks). */
export async function focusedElementId(page: Page): Promise<string> {
  return (await page.evaluate('document.activeElement ? document.activeElement.id : ""')) as string;
}

/**
 * The local runtime (demo directory, a free port, no lockout scan during the tests) and a fresh Chromium, started
 * before the enclosing file's or describe block's tests and stopped after them. `options` adds to or overrides those.
 */
export function useBlinkInChromium(options: LocalBlinkOptions = {}): {
  readonly blink: LocalBlink;
  readonly browser: TestBrowser;
} {
  return startedForSuite(
    'the local runtime and Chromium',
    async () => {
      const [blink, browser] = await Promise.all([
        startLocalBlink({
          port: 0,
          directory: 'demo',
          lockoutScanIntervalSeconds: 3600,
          ...options,
          env: { BLINK_VERSION: 'browser-test', ...options.env },
        }),
        launchBrowser(),
      ]);
      return { blink, browser };
    },
    async ({ blink, browser }) => {
      await browser.close();
      await blink.stop();
    },
  );
}
