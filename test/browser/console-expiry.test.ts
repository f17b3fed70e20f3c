import { startLocalBlink, type LocalBlink } from '../../local/runtime.js';
import { enrollDirectoryUser } from '../support/enrollments.js';
import { OffsetClock } from '../support/manual-clock.js';
import { launchBrowser, openPage, phoneViewport, screenshot, type TestBrowser } from './browser.js';

// The console's "Send expiry reminders now", as someone demoing Blink presses it. The demo directory's passwords are
// 90 days old at the most: with the runtime's clock 85 days on, jane.doe's expires in 5 days.

describe('console: password-expiry reminders (browser)', () => {
  let blink: LocalBlink;
  let browser: TestBrowser;

  beforeAll(async () => {
    [blink, browser] = await Promise.all([
      startLocalBlink({
        env: { BLINK_VERSION: 'browser-test' },
        port: 0,
        directory: 'demo',
        clock: new OffsetClock(85 * 86_400_000),
        lockoutScanIntervalSeconds: 3600,
      }),
      launchBrowser(),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await blink?.stop();
  });

  it('sends the reminders at the press of a button, and the email shows in the console', async () => {
    await enrollDirectoryUser(blink.composition.adapters, 'jane.doe', '+12065550123');
    const { page, problems } = await openPage(browser.context, phoneViewport);
    await page.goto(blink.consoleUrl);
    await page.getByRole('button', { name: 'Send expiry reminders now' }).click();
    await page.getByRole('status').filter({ hasText: 'Blink is looking for passwords that expire soon' }).waitFor();
    // The console refreshes itself every 2 seconds.
    await page.getByText('Blink: your Windows password expires in 5 days').first().waitFor({ timeout: 20_000 });
    await screenshot(page, 'console-phone-expiry-reminder');
    expect(problems.pageErrors).toEqual([]);
    expect(await problems.cspViolations()).toEqual([]);
    await page.close();
  });
});
