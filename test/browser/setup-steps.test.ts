import type { Page } from 'playwright-core';
import { ManualClock } from '../support/manual-clock.js';
import { pollUntil } from '../support/poll.js';
import { activate, testUser } from '../support/activations.js';
import {
  desktopViewport,
  expectFitsAt,
  focusedElementId,
  openPage,
  phoneViewport,
  useBlinkInChromium,
} from './browser.js';

// The setup page's steps after the first visit, in Debian's Chromium against the local runtime: a reload or Back
// resumes (B3), the code step's attempts, lock, resend countdown and forgiving input (B6), the link that completed
// setup opened again (B2), and the page in dark mode. The service runs on a manual clock and the page on Playwright's,
// so cooldowns and locks are stepped over without waiting.

const clock = new ManualClock(new Date());
const local = useBlinkInChromium({ clock });

// All requests come from 127.0.0.1: each test starts in a fresh hour of the per-IP limit.
beforeEach(() => clock.advanceSeconds(3600));

let numbers = 0;
/** A fresh fictional US mobile number per use, so the per-number daily cap of one test never touches another. */
function freshPhone(): { typed: string; e164: string; lastFour: string } {
  numbers += 1;
  const line = String(1000 + ((Date.now() + numbers * 7919) % 9000));
  return { typed: `+1 201 ${300 + numbers} ${line}`, e164: `+1201${300 + numbers}${line}`, lastFour: line };
}

/** The code of verification SMS number `count` to `e164`, once it has arrived. */
async function codeNumber(e164: string, count: number): Promise<string> {
  return pollUntil(
    async () => {
      const codes = local.blink
        .listSms()
        .flatMap((sms) => (sms.to === e164 ? (/verification code is (\d{6})/.exec(sms.body)?.[1] ?? []) : []));
      return codes.length >= count ? codes[count - 1] : undefined;
    },
    { timeoutMs: 10_000, description: `verification SMS number ${count} to ${e164}` },
  );
}

function wrong(code: string, by = 1): string {
  return String((Number(code) + by) % 1_000_000).padStart(6, '0');
}

/** Screenshots of the page as it is now: 390×844 and desktop, light and dark (test-results/<name>-…png). */
async function screenshots(page: Page, name: string): Promise<void> {
  for (const [size, viewport] of [
    ['phone', phoneViewport],
    ['desktop', desktopViewport],
  ] as const) {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      await expectFitsAt(page, viewport, `${name}-${size}-${colorScheme}`);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(phoneViewport);
}

async function savedSetup(page: Page): Promise<{ session: string | null; local: number }> {
  return (await page.evaluate('({ session: sessionStorage.getItem("blink-setup"), local: localStorage.length })')) as {
    session: string | null;
    local: number;
  };
}

async function sendCodeTo(page: Page, phone: string): Promise<void> {
  await page.getByLabel('Mobile number').fill(phone);
  await page.getByRole('button', { name: 'Send Verification Code' }).click();
  await page.getByRole('heading', { name: 'Choose how to finish setup' }).waitFor();
}

/** A new user's setup page at the code step, a code sent to a fresh number; the page's clock installed when asked. */
async function atCodeStep(displayName: string, options: { installClock?: boolean } = {}) {
  const { link } = await activate(local.blink, testUser(displayName));
  const phone = freshPhone();
  const { page, problems } = await openPage(local.browser.context);
  if (options.installClock) await page.clock.install();
  await page.goto(link);
  await sendCodeTo(page, phone.typed);
  await page.getByRole('button', { name: 'Verify through SMS' }).click();
  return { page, problems, phone };
}

describe('resuming after a reload or Back (B3)', () => {
  it('keeps the token for this tab only, resumes at the code step after a reload and after Back and Forward', async () => {
    const { link, token } = await activate(local.blink, testUser('Rita Reload'));
    const phone = freshPhone();
    const { page, problems } = await openPage(local.browser.context);
    // A new tab starts at about:blank: Back from the setup page leads there.
    await page.goto(link);
    await page.getByRole('heading', { name: 'Set up Blink for Rita Reload' }).waitFor();
    // The fragment left the address bar; the token is kept in this tab's sessionStorage, never in localStorage.
    expect(page.url()).toBe(`${local.blink.publicBaseUrl}/setup`);
    expect((await savedSetup(page)).session).toContain(token);
    expect((await savedSetup(page)).local).toBe(0);

    await sendCodeTo(page, phone.typed);
    await page.getByRole('button', { name: 'Verify through SMS' }).click();
    await page.getByRole('heading', { name: 'Verify through SMS' }).waitFor();

    await page.reload();
    await page.getByRole('heading', { name: 'Verify through SMS' }).waitFor();
    expect(await page.getByRole('status').filter({ hasText: 'Your progress was kept.' }).isVisible()).toBe(true);
    expect(await page.locator('#step-sms').innerText()).toContain(phone.lastFour);
    expect(page.url()).toBe(`${local.blink.publicBaseUrl}/setup`);
    await screenshots(page, 'setup-resumed-code');

    // Back leaves the page; Forward comes back to where the person was (no-store pages are loaded again).
    await page.goBack();
    await page.waitForURL('about:blank');
    await page.goForward();
    await page.getByRole('heading', { name: 'Verify through SMS' }).waitFor();
    expect(await page.getByRole('status').filter({ hasText: 'Your progress was kept.' }).isVisible()).toBe(true);

    // A reload that cannot reach Blink goes on to the same step after Try again.
    let dropped = false;
    await page.route('**/api/setup/open', async (route) => {
      if (dropped) return route.continue();
      dropped = true;
      return route.abort('internetdisconnected');
    });
    await page.reload();
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('heading', { name: 'Verify through SMS' }).waitFor();
    expect(await page.getByRole('status').filter({ hasText: 'Your progress was kept.' }).isVisible()).toBe(true);
    await page.unroute('**/api/setup/open');

    // Another tab has its own sessionStorage: it gets nothing.
    const other = await openPage(local.browser.context);
    await other.page.goto(`${local.blink.url}/setup`);
    await other.page.getByRole('heading', { name: 'Open your setup link' }).waitFor();
    await other.page.close();

    // Completed: the token is gone from storage; a reload still says setup is complete.
    await page.getByLabel('Verification code').fill(await codeNumber(phone.e164, 1));
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByRole('heading', { name: 'Setup complete' }).waitFor();
    expect((await savedSetup(page)).session).not.toContain(token);
    await page.reload();
    await page.getByRole('heading', { name: 'Setup complete' }).waitFor();
    expect(await page.locator('#step-complete').innerText()).toContain('text RESET');

    expect(problems.pageErrors).toEqual([]);
    // The dropped call is the only failure Chromium reported.
    expect(problems.unexpectedConsoleErrors().filter((text) => !text.includes('ERR_INTERNET_DISCONNECTED'))).toEqual(
      [],
    );
    expect(await problems.cspViolations()).toEqual([]);
    await page.close();
  });

  it('resumes the QR step with a fresh code, and forgets a link that turned out unusable', async () => {
    const user = testUser('Quentin Qr');
    const { link, token } = await activate(local.blink, user);
    const { page, problems } = await openPage(local.browser.context, desktopViewport);
    await page.goto(link);
    await sendCodeTo(page, freshPhone().typed);
    await page.getByRole('button', { name: 'Scan QR code' }).click();
    const image = page.getByRole('img', { name: 'QR code that links the Blink app to your account' });
    await image.waitFor();
    const before = await page.getByLabel("Can't scan? Setup link for the app").inputValue();

    await page.reload();
    await page.getByRole('heading', { name: 'Scan QR code' }).waitFor();
    await image.waitFor();
    expect(await page.getByText('Your progress was kept.').isVisible()).toBe(true);
    expect(await page.getByLabel("Can't scan? Setup link for the app").inputValue()).not.toBe(before);

    // A new activation supersedes the link: after a reload the page says so once and keeps nothing.
    await activate(local.blink, user);
    await page.reload();
    await page.getByRole('heading', { name: "This link can't be used" }).waitFor();
    expect((await savedSetup(page)).session).toBeNull();
    await page.reload();
    await page.getByRole('heading', { name: 'Open your setup link' }).waitFor();
    expect(problems.pageErrors).toEqual([]);
    expect(problems.unexpectedConsoleErrors([404])).toEqual([]);
    expect(token).not.toBe('');
    await page.close();
  });
});

describe('the code step (B6)', () => {
  it('accepts a code typed with a space, after saying how many attempts are left', async () => {
    const { page, problems, phone } = await atCodeStep('Sam Space');
    const field = page.getByLabel('Verification code');
    expect(await field.getAttribute('autocomplete')).toBe('one-time-code');
    expect(await field.getAttribute('inputmode')).toBe('numeric');
    const code = await codeNumber(phone.e164, 1);

    await field.fill(`${wrong(code).slice(0, 3)}-${wrong(code).slice(3)}`);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'attempts left' }).waitFor();
    expect(await page.locator('#code-error').innerText()).toBe(
      'That code is not right. Check the latest text message and try again. 4 attempts left.',
    );
    expect(await focusedElementId(page)).toBe('code');
    await screenshots(page, 'setup-code-attempts-left');

    // "790 473": the whole code fits in the field and is accepted.
    const spaced = `${code.slice(0, 3)} ${code.slice(3)}`;
    await field.fill(spaced);
    expect(await field.inputValue()).toBe(spaced);
    await field.press('Enter');
    await page.getByRole('heading', { name: 'Setup complete' }).waitFor();
    expect(problems.unexpectedConsoleErrors([400])).toEqual([]);
    await page.close();
  });

  it('counts the resend wait down, sends a new code to the same number from the code step, and offers another number', async () => {
    const { page, problems, phone } = await atCodeStep('Rory Resend', { installClock: true });
    const first = await codeNumber(phone.e164, 1);
    const wait = page.locator('#resend-wait');
    expect(await wait.innerText()).toMatch(/You can ask for a new code in (1 minute|\d+ seconds)\./);
    expect(await page.getByRole('button', { name: 'Send a new code' }).count()).toBe(0);
    await page.clock.runFor(30_000);
    expect(await wait.innerText()).toMatch(/You can ask for a new code in (29|30|31) seconds\./);
    await screenshots(page, 'setup-code-resend-countdown');

    // The page's wait is over but the server's is not (its clock did not move): it answers with its Retry-After,
    // and the page counts that down.
    await page.clock.runFor(31_000);
    const resend = page.getByRole('button', { name: 'Send a new code' });
    await resend.waitFor();
    await resend.click();
    await page.getByRole('alert').filter({ hasText: 'Wait a minute before asking for another code.' }).waitFor();
    expect(await wait.innerText()).toMatch(/You can ask for a new code in (1 minute|\d+ seconds)\./);
    expect(await focusedElementId(page)).toBe('code');

    clock.advanceSeconds(61);
    await page.clock.runFor(61_000);
    await resend.waitFor();
    await resend.click();
    await page.getByRole('status').filter({ hasText: 'We sent a new code to' }).waitFor();
    // Still on the code step, to the same number; the earlier code is void.
    expect(await page.getByRole('heading', { name: 'Verify through SMS' }).isVisible()).toBe(true);
    expect(await page.locator('#code-sent').innerText()).toBe(
      `We sent a new code to +1 •••-•••-${phone.lastFour}. The earlier code no longer works.`,
    );
    const second = await codeNumber(phone.e164, 2);
    expect(second).not.toBe(first);
    await screenshots(page, 'setup-code-resent');

    // Another number is a separate, named way back to the number step.
    await page.getByRole('button', { name: 'Use another number' }).click();
    await page.getByRole('heading', { name: 'Set up Blink for Rory Resend' }).waitFor();
    expect(await page.getByLabel('Mobile number').inputValue()).toBe(phone.typed);
    await page.getByRole('button', { name: 'Back' }).click();
    await page.getByRole('button', { name: 'Verify through SMS' }).click();
    await page.getByLabel('Verification code').fill(second);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByRole('heading', { name: 'Setup complete' }).waitFor();
    expect(problems.pageErrors).toEqual([]);
    expect(problems.unexpectedConsoleErrors([429])).toEqual([]);
    await page.close();
  });

  it('says the lock once and hides the field and the resend while locked, leaving the app', async () => {
    const { page, problems, phone } = await atCodeStep('Lena Locked', { installClock: true });
    const code = await codeNumber(phone.e164, 1);
    const field = page.getByLabel('Verification code');
    const attempts = [
      [1, '4 attempts left.'],
      [2, '3 attempts left.'],
      [3, '2 attempts left.'],
      [4, '1 attempt left before verification is locked for an hour.'],
    ] as const;
    for (const [attempt, left] of attempts) {
      await field.fill(wrong(code, attempt));
      await page.getByRole('button', { name: 'Verify', exact: true }).click();
      await page.getByRole('alert').filter({ hasText: left }).waitFor();
    }
    await field.fill(wrong(code, 5));
    await page.getByRole('button', { name: 'Verify', exact: true }).click();

    const locked = page.getByRole('alert').filter({ hasText: 'locked' });
    await locked.waitFor();
    const message = await locked.innerText();
    expect(message).toMatch(
      /^Too many wrong codes, so verification is locked\. You can try again in 1 hour, at \d{1,2}:\d{2}( [AP]M)?\. You can still set up the Blink app instead\.$/,
    );
    expect(message.match(/hour/g)).toHaveLength(1);
    expect(await focusedElementId(page)).toBe('code-locked');
    expect(await field.isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Verify', exact: true }).isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Send a new code' }).isVisible()).toBe(false);
    expect(await page.locator('#resend-wait').isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Use another number' }).isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Choose another way' }).isVisible()).toBe(true);
    // One alert on screen: the lock, not the lock plus the last wrong-code message.
    expect(await page.locator('#step-sms [role="alert"]:visible').count()).toBe(1);
    await screenshots(page, 'setup-code-locked');

    // Reloaded while locked: still locked, the same way.
    await page.reload();
    await page.getByRole('heading', { name: 'Verify through SMS' }).waitFor();
    expect(await page.getByLabel('Verification code').isVisible()).toBe(false);
    expect(await page.getByRole('alert').filter({ hasText: 'locked' }).isVisible()).toBe(true);

    // The hour passes: the field is back, and the right code works.
    clock.advanceSeconds(3601);
    await page.clock.runFor(3_601_000);
    await page.getByLabel('Verification code').waitFor();
    expect(await page.getByRole('alert').filter({ hasText: 'locked' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Use another number' }).click();
    await page.getByRole('button', { name: 'Send Verification Code' }).click();
    await page.getByRole('button', { name: 'Verify through SMS' }).click();
    await page.getByLabel('Verification code').fill(await codeNumber(phone.e164, 2));
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByRole('heading', { name: 'Setup complete' }).waitFor();
    expect(problems.pageErrors).toEqual([]);
    expect(problems.unexpectedConsoleErrors([400, 429])).toEqual([]);
    await page.close();
  });
});

describe('the link that completed setup, opened again (B2)', () => {
  it('lets the person choose password-expiry reminders by SMS at the code step, saved with the enrollment', async () => {
    const chooser = await atCodeStep('Rita Reminder');
    const box = chooser.page.getByLabel('Also text me before my Windows password expires');
    expect(await box.isChecked()).toBe(false);
    await box.check();
    await screenshots(chooser.page, 'setup-code-reminder-choice');
    await chooser.page.getByLabel('Verification code').fill(await codeNumber(chooser.phone.e164, 1));
    await chooser.page.getByRole('button', { name: 'Verify', exact: true }).click();
    await chooser.page.getByRole('heading', { name: 'Setup complete' }).waitFor();
    expect(chooser.problems.pageErrors).toEqual([]);
    await chooser.page.close();

    // Left unticked: saved as not chosen.
    const declined = await atCodeStep('Dora Declined');
    await declined.page.getByLabel('Verification code').fill(await codeNumber(declined.phone.e164, 1));
    await declined.page.getByRole('button', { name: 'Verify', exact: true }).click();
    await declined.page.getByRole('heading', { name: 'Setup complete' }).waitFor();
    await declined.page.close();

    const { enrollmentStore } = local.blink.composition.adapters;
    const saved = async (phone: string) => (await enrollmentStore.findByPhone(phone))[0]?.expiryReminders;
    expect(await saved(chooser.phone.e164)).toEqual({ sms: true });
    expect(await saved(declined.phone.e164)).toEqual({ sms: false });
  });

  it('says setup is complete and how to reset, instead of sending the person to IT', async () => {
    const { link } = await activate(local.blink, testUser('Carl Complete'));
    const phone = freshPhone();
    const { page, problems } = await openPage(local.browser.context);
    await page.goto(link);
    await sendCodeTo(page, phone.typed);
    await page.getByRole('button', { name: 'Verify through SMS' }).click();
    await page.getByLabel('Verification code').fill(await codeNumber(phone.e164, 1));
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByRole('heading', { name: 'Setup complete' }).waitFor();
    await page.close();

    // Opened again from the email, in a new tab.
    const again = await openPage(local.browser.context);
    await again.page.goto(link);
    await again.page.getByRole('heading', { name: 'Setup complete' }).waitFor();
    const text = await again.page.locator('#step-complete').innerText();
    expect(text).toContain("Blink is already set up for Carl Complete. You don't need this link any more.");
    expect(text).toContain(
      'To reset your Windows password, text RESET to the Blink number that sent you the confirmation text.',
    );
    expect(text).not.toContain('use the Blink app');
    expect(text).toContain('New phone or number? Ask your IT team for a new activation email.');
    expect(text).not.toMatch(/can't be used|not valid/);
    expect(again.page.url()).toBe(`${local.blink.publicBaseUrl}/setup`);
    await screenshots(again.page, 'setup-complete-again');
    expect(again.problems.pageErrors).toEqual([]);
    expect(again.problems.unexpectedConsoleErrors()).toEqual([]);
    expect(await again.problems.cspViolations()).toEqual([]);
    await again.page.close();

    expect(problems.pageErrors).toEqual([]);
  });

  it('keeps one neutral answer for an unusable link, which also tells someone already set up what to do', async () => {
    const { page, problems } = await openPage(local.browser.context);
    await page.goto(`${local.blink.url}/setup#t=${'A'.repeat(43)}`);
    await page.getByRole('heading', { name: "This link can't be used" }).waitFor();
    expect(await page.locator('#step-invalid').innerText()).toContain(
      "Already finished setting up Blink? Then you don't need this link",
    );
    await screenshots(page, 'setup-invalid');
    expect(problems.unexpectedConsoleErrors([404])).toEqual([]);
    await page.close();
  });
});

describe('dark mode', () => {
  it('follows the system setting, with the QR code kept on a white box', async () => {
    const { link } = await activate(local.blink, testUser('Dora Dark'));
    const { page } = await openPage(local.browser.context);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(link);
    await page.getByRole('heading', { name: 'Set up Blink for Dora Dark' }).waitFor();
    expect(await page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe('rgb(11, 18, 32)');
    expect(await page.evaluate('getComputedStyle(document.querySelector("main")).backgroundColor')).toBe(
      'rgb(23, 32, 51)',
    );
    expect(await page.evaluate('getComputedStyle(document.getElementById("phone")).backgroundColor')).toBe(
      'rgb(15, 23, 42)',
    );
    await screenshots(page, 'setup-phone-step');
    await sendCodeTo(page, freshPhone().typed);
    await screenshots(page, 'setup-choose');
    await page.getByRole('button', { name: 'Scan QR code' }).click();
    await page.getByRole('img', { name: 'QR code that links the Blink app to your account' }).waitFor();
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await page.evaluate('getComputedStyle(document.querySelector(".qr-box")).backgroundColor')).toBe(
      'rgb(255, 255, 255)',
    );
    await screenshots(page, 'setup-qr');
    await page.close();
  });
});
