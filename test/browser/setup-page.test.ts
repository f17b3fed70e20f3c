import { randomBytes } from 'node:crypto';
import { ManualClock } from '../support/manual-clock.js';
import { activate, testUser } from '../support/activations.js';
import { focusedElementId, openPage, phoneViewport, screenshot, useBlinkInChromium } from './browser.js';

// The setup page in Debian's Chromium against the local runtime (in-process, port 0): how it is served, what its
// CSP does in a real browser, and what a person sees for a link that cannot be used.

const NEUTRAL_MESSAGE = 'This setup link is not valid. Ask your IT team for a new activation email.';

describe('setup page (browser)', () => {
  // The service's clock (the page keeps the browser's): moved forward to let a link expire.
  const clock = new ManualClock(new Date());
  const local = useBlinkInChromium({ clock });

  it('is served with the strict page headers, and so are its script and style sheet', async () => {
    const { page, problems } = await openPage(local.browser.context);
    const assets = new Map<string, Record<string, string>>();
    page.on('response', (response) => {
      const { pathname } = new URL(response.url());
      if (pathname.startsWith('/assets/')) assets.set(pathname, response.headers());
    });
    const response = await page.goto(`${local.blink.url}/setup`);
    await page.getByRole('heading', { name: 'Open your setup link' }).waitFor();

    const expected = {
      'content-security-policy':
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'strict-transport-security': 'max-age=63072000; includeSubDomains',
    };
    expect(response?.status()).toBe(200);
    expect(response?.headers()).toMatchObject({ ...expected, 'content-type': 'text/html; charset=utf-8' });
    expect(assets.get('/assets/setup.js')).toMatchObject({
      ...expected,
      'content-type': 'text/javascript; charset=utf-8',
    });
    expect(assets.get('/assets/setup.css')).toMatchObject({ ...expected, 'content-type': 'text/css; charset=utf-8' });
    // The style sheet applied (the CSP let it through): the page background is not the browser's default white.
    expect(await page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe('rgb(243, 245, 249)');
    expect(problems.unexpectedConsoleErrors()).toEqual([]);
    expect(problems.pageErrors).toEqual([]);
    expect(await problems.cspViolations()).toEqual([]);
    await page.close();
  });

  it('enforces its CSP in the browser: an injected inline script does not run and is reported', async () => {
    const { page, problems } = await openPage(local.browser.context);
    await page.goto(`${local.blink.url}/setup`);
    await page.getByRole('heading', { name: 'Open your setup link' }).waitFor();
    await page.evaluate(`(() => {
      const script = document.createElement('script');
      script.textContent = 'window.blinkInjected = true';
      document.body.append(script);
    })()`);
    expect(await page.evaluate('window.blinkInjected === true')).toBe(false);
    expect((await problems.cspViolations()).some((violation) => violation.startsWith('script-src'))).toBe(true);
    await page.close();
  });

  it('without a token asks the person to open the link from the activation email', async () => {
    const { page, problems } = await openPage(local.browser.context);
    await page.goto(`${local.blink.url}/setup`);
    await page.getByRole('heading', { name: 'Open your setup link' }).waitFor();
    expect(await page.getByText('open the link in your activation email').isVisible()).toBe(true);
    expect(problems.unexpectedConsoleErrors()).toEqual([]);
    await page.close();
  });

  it('shows one neutral message for a link never issued, superseded or expired, and clears the address bar', async () => {
    const user = testUser('Nora Neutral');
    const first = await activate(local.blink, user);
    await activate(local.blink, user); // supersedes the first link
    const expiring = await activate(local.blink, testUser('Ed Expired'));
    clock.advanceSeconds(72 * 3600 + 60);
    const neverIssued = randomBytes(32).toString('base64url');

    const seen: string[] = [];
    const cases = [
      ['never-issued', neverIssued],
      ['superseded', first.token],
      ['expired', expiring.token],
    ] as const;
    for (const [name, token] of cases) {
      const { page, problems } = await openPage(local.browser.context, phoneViewport);
      const requests: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      await page.goto(`${local.blink.url}/setup#t=${token}`);
      await page.getByRole('heading', { name: "This link can't be used" }).waitFor();
      const alert = page.getByRole('alert');
      expect(await alert.textContent()).toBe(NEUTRAL_MESSAGE);
      seen.push((await page.locator('main').innerText()).trim());

      // The token left the address bar at once and never appeared in any URL the page requested.
      expect(page.url()).toBe(`${local.blink.url}/setup`);
      expect(requests.some((url) => url.includes(token))).toBe(false);
      expect(problems.unexpectedConsoleErrors([404])).toEqual([]);
      expect(await problems.cspViolations()).toEqual([]);
      if (name === 'never-issued') await screenshot(page, 'setup-invalid-link-phone');
      await page.close();
    }
    expect(new Set(seen).size).toBe(1);
  });

  it('says when Blink cannot be reached, and carries on from the same link after Try again', async () => {
    const { link } = await activate(local.blink, testUser('Olivia Offline'));
    const { page, problems } = await openPage(local.browser.context);
    // The first call fails as a dropped connection would; the next ones reach the local runtime.
    let dropped = 0;
    await page.route('**/api/setup/open', async (route) => {
      if (dropped++ === 0) await route.abort('internetdisconnected');
      else await route.continue();
    });
    await page.goto(link);
    await page.getByRole('heading', { name: "Blink can't be reached" }).waitFor();
    expect(await page.getByRole('alert').textContent()).toBe(
      'Blink could not be reached. Check your internet connection and try again.',
    );
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('heading', { name: 'Set up Blink for Olivia Offline' }).waitFor();
    // After a click, focus follows the step change to its heading; Tab then reaches the field and the button in order.
    expect(await focusedElementId(page)).toBe('phone-title');
    await page.keyboard.press('Tab');
    expect(await focusedElementId(page)).toBe('phone');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Send Verification Code');
    expect(problems.pageErrors).toEqual([]);
    expect(await problems.cspViolations()).toEqual([]);
    await page.close();
  });
});
