import type { Page } from 'playwright-core';
import { DeviceApiError, enroll } from '../../device-client/client.js';
import type { LocalBlink } from '../../local/runtime.js';
import { captureLogs, type LogCapture } from '../support/capture-logs.js';
import { pollUntil } from '../support/poll.js';
import { activate, testUser } from '../support/activations.js';
import {
  desktopViewport,
  expectFitsAt,
  focusedElementId,
  hasHorizontalOverflow,
  openPage,
  phoneViewport,
  screenshot,
  smallPhoneViewport,
  useBlinkInChromium,
} from './browser.js';

// A person sets up Blink in Debian's Chromium against the local runtime, clicking through the setup page as the user
// guide describes: by SMS, and by scanning the QR code with the reference device client.

interface SentSms {
  to: string;
  body: string;
  at: string;
}

async function smsTo(blink: LocalBlink, e164: string): Promise<SentSms[]> {
  const response = await fetch(`${blink.url}/_local/api/sms`);
  return ((await response.json()) as SentSms[])
    .filter((sms) => sms.to === e164)
    .sort((a, b) => a.at.localeCompare(b.at));
}

/** The code of the latest verification SMS to `e164`, once it has arrived. */
async function latestCode(blink: LocalBlink, e164: string, after = 0): Promise<string> {
  return pollUntil(
    async () => {
      const codes = (await smsTo(blink, e164)).flatMap(
        (sms) => /verification code is (\d{6})/.exec(sms.body)?.[1] ?? [],
      );
      return codes.length > after ? codes.at(-1) : undefined;
    },
    { timeoutMs: 10_000, description: `verification SMS number ${after + 1} to ${e164}` },
  );
}

/** The text of the visible alert that contains `text` (alerts are how errors are announced). */
async function alertText(page: Page, text: string | RegExp): Promise<string> {
  const alert = page.getByRole('alert').filter({ hasText: text });
  await alert.waitFor();
  return (await alert.textContent()) ?? '';
}

describe('setup flow (browser)', () => {
  let logs: LogCapture;
  const local = useBlinkInChromium();

  // The service's logs are captured during each flow, to show that no token or code ever reaches them.
  beforeEach(() => {
    logs = captureLogs();
  });
  afterEach(() => logs.restore());

  it('SMS path: number, Verify through SMS, a wrong code, the right code, Setup complete', async () => {
    const { link, token } = await activate(local.blink, testUser('Jane Doe'));
    const { page, problems } = await openPage(local.browser.context, smallPhoneViewport);

    await page.goto(link);
    await page.getByRole('heading', { name: 'Set up Blink for Jane Doe' }).waitFor();
    expect(page.url()).toBe(`${local.blink.publicBaseUrl}/setup`);
    expect(await hasHorizontalOverflow(page)).toBe(false);
    // On arrival focus stays where the browser puts it; the first Tab reaches the number field.
    await page.keyboard.press('Tab');
    expect(await focusedElementId(page)).toBe('phone');

    // Errors next to the field, announced, and focus back on the field.
    const phone = page.getByLabel('Mobile number');
    const send = page.getByRole('button', { name: 'Send Verification Code' });
    await send.click();
    expect(await alertText(page, 'Enter your mobile number')).toBe('Enter your mobile number.');
    await phone.fill('12');
    await send.click();
    expect(await alertText(page, 'valid mobile number')).toBe(
      'Enter a valid mobile number, including the country code if it is not a local number.',
    );
    expect(await phone.getAttribute('aria-invalid')).toBe('true');
    expect(await focusedElementId(page)).toBe('phone');

    // Keyboard: Enter in the field sends the form.
    await phone.fill('(201) 555-0147');
    await phone.press('Enter');
    await page.getByRole('heading', { name: 'Choose how to finish setup' }).waitFor();
    expect(await page.locator('#step-choose').innerText()).toContain('0147');
    // Each choice is named by its title (the guide's words) and described by what it means.
    expect(await page.getByRole('button', { name: 'Scan QR code', exact: true }).getAttribute('aria-describedby')).toBe(
      'choose-qr-detail',
    );
    expect(await page.getByRole('button', { name: 'Verify through SMS', exact: true }).isVisible()).toBe(true);
    expect(await hasHorizontalOverflow(page)).toBe(false);
    const code = await latestCode(local.blink, '+12015550147');

    // Right after a code went out the page counts the resend cooldown down instead of offering a button that would fail.
    await page.getByRole('button', { name: 'Verify through SMS' }).click();
    await page.getByRole('heading', { name: 'Verify through SMS' }).waitFor();
    expect(await page.locator('#resend-wait').innerText()).toMatch(
      /^Didn't get it\? You can ask for a new code in (\d+ seconds|1 minute)\.$/,
    );
    expect(await page.getByRole('button', { name: 'Send a new code' }).count()).toBe(0);
    // Another number, at once, hits the server's cooldown: the page says why and how long to wait.
    await page.getByRole('button', { name: 'Use another number' }).click();
    await page.getByRole('button', { name: 'Send Verification Code' }).click();
    expect(await alertText(page, 'try again in')).toMatch(
      /^Wait a minute before asking for another code\. You can try again in (\d+ seconds|1 minute)\.$/,
    );
    await page.getByRole('button', { name: 'Back' }).click();
    await page.getByRole('button', { name: 'Verify through SMS' }).click();

    const codeField = page.getByLabel('Verification code');
    expect(await codeField.getAttribute('inputmode')).toBe('numeric');
    expect(await codeField.getAttribute('autocomplete')).toBe('one-time-code');
    const wrongCode = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    await codeField.fill(wrongCode);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    expect(await alertText(page, 'not right')).toBe(
      'That code is not right. Check the latest text message and try again. 4 attempts left.',
    );
    expect(await codeField.getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'setup-sms-wrong-code-phone');

    await codeField.fill(code);
    await codeField.press('Enter');
    await page.getByRole('heading', { name: 'Setup complete' }).waitFor();
    const complete = await page.locator('#step-complete').innerText();
    expect(complete).toContain('Save the number it came from');
    expect(complete).toMatch(/text RESET to that number/);
    expect(await hasHorizontalOverflow(page)).toBe(false);
    await page.setViewportSize(phoneViewport);
    await screenshot(page, 'setup-complete-sms-phone');

    // The confirmation SMS arrived from Blink's number.
    await pollUntil(
      async () =>
        (await smsTo(local.blink, '+12015550147')).some((sms) => sms.body.includes('setup is complete'))
          ? true
          : undefined,
      {
        timeoutMs: 10_000,
        description: 'the setup-complete SMS',
      },
    );

    expect(problems.pageErrors).toEqual([]);
    // 400: the refused number and the wrong code; 429: the resend cooldown. Nothing else went wrong.
    expect(problems.unexpectedConsoleErrors([400, 429])).toEqual([]);
    expect(await problems.cspViolations()).toEqual([]);
    expect(logs.text()).not.toContain(token);
    expect(logs.text()).not.toContain(code);

    // The link was used: opened again, it says setup is complete and how to reset (not "ask IT for a new email").
    await page.goto(link);
    await page.getByRole('heading', { name: 'Setup complete' }).waitFor();
    expect(await page.locator('#step-complete').innerText()).toContain('Blink is already set up for Jane Doe');
    await page.close();
  });
  it('QR path: Scan QR code, the app registers from the QR link, and the page shows Setup complete by itself', async () => {
    const { link, token } = await activate(local.blink, testUser('John Smith'));
    const { page, problems } = await openPage(local.browser.context, desktopViewport);
    const statusCalls: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/api/setup/status')) statusCalls.push(request.url());
    });
    // The page's timers run on a clock the test moves: polling and QR expiry happen when the test says so.
    await page.clock.install();

    await page.goto(link);
    await page.getByLabel('Mobile number').fill('+1 201 555 0148');
    await page.getByRole('button', { name: 'Send Verification Code' }).click();
    await page.getByRole('button', { name: 'Scan QR code' }).click();
    await page.getByRole('heading', { name: 'Scan QR code' }).waitFor();

    const image = page.getByRole('img', { name: 'QR code that links the Blink app to your account' });
    await image.waitFor();
    const uriField = page.getByLabel("Can't scan? Setup link for the app");
    const firstUri = await uriField.inputValue();
    expect(firstUri).toMatch(new RegExp(`^${local.blink.publicBaseUrl}/app/enroll#[A-Za-z0-9_-]{22}$`));
    const src = (await image.getAttribute('src')) ?? '';
    expect(src).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(src.split(',')[1] ?? '', 'base64').toString('utf8')).toContain('<svg');
    expect(await page.locator('#step-qr').innerText()).toMatch(/SCAN QR CODE/);
    // Set up on a computer: the page names the address that gets the app on the phone.
    const appLink = page.getByRole('link', { name: `${local.blink.publicBaseUrl}/app/`, exact: true });
    expect(await appLink.isVisible()).toBe(true);
    // Relative, so it also works under a stage path; the text above is where it resolves to.
    expect(await appLink.getAttribute('href')).toBe('app/');
    expect(await page.locator('#step-qr li').first().innerText()).toBe(
      `Get the Blink app on your phone: open the link in the text message, or go to ${local.blink.publicBaseUrl}/app/.`,
    );
    expect(await page.getByRole('status').filter({ hasText: 'Waiting for the Blink app' }).isVisible()).toBe(true);

    // The page asks every 2 s while the code is shown ...
    await page.clock.runFor(2_000);
    await pollUntil(async () => (statusCalls.length >= 1 ? true : undefined), {
      timeoutMs: 5_000,
      description: 'a status poll',
    });
    // ... and stops when the person leaves the step.
    await page.getByRole('button', { name: 'Choose another way' }).last().click();
    await page.getByRole('heading', { name: 'Choose how to finish setup' }).waitFor();
    const afterLeaving = statusCalls.length;
    await page.clock.runFor(20_000);
    expect(statusCalls.length).toBe(afterLeaving);

    // A code left on screen past its 10 minutes is replaced on request.
    await page.getByRole('button', { name: 'Scan QR code' }).click();
    await image.waitFor();
    await page.clock.fastForward('10:05');
    expect(await alertText(page, 'expired')).toBe('This QR code has expired. Show a new one to continue.');
    expect(await image.isVisible()).toBe(false);
    expect(await page.getByRole('link', { name: 'On this phone? Open the Blink app' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Show a new QR code' }).click();
    await image.waitFor();
    const uri = await uriField.inputValue();
    expect(uri).not.toBe(firstUri);
    // On a phone the same link opens the installed app.
    expect(await page.getByRole('link', { name: 'On this phone? Open the Blink app' }).getAttribute('href')).toBe(uri);
    await screenshot(page, 'setup-qr-desktop');
    await expectFitsAt(page, phoneViewport, 'setup-qr-phone');

    // A superseded QR link no longer registers a device; the one on screen does.
    await expect(enroll(firstUri, { unlockMethod: 'pin', platform: 'android' })).rejects.toMatchObject({
      constructor: DeviceApiError,
      status: 404,
      code: 'BINDING_INVALID',
    });
    const { client } = await enroll(uri, { unlockMethod: 'biometric', platform: 'ios' });
    expect(await client.status()).toMatchObject({ account: { displayName: 'John Smith' } });

    // The next poll sees the device: Setup complete, without any click.
    await page.clock.runFor(2_000);
    await page.getByRole('heading', { name: 'Setup complete' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#step-complete').innerText()).toContain('Your Blink app is linked to your account.');
    const afterComplete = statusCalls.length;
    await page.clock.runFor(20_000);
    expect(statusCalls.length).toBe(afterComplete);
    await screenshot(page, 'setup-complete-app-phone');
    await page.setViewportSize(desktopViewport);
    await screenshot(page, 'setup-complete-app-desktop');

    expect(problems.pageErrors).toEqual([]);
    // 404: the superseded binding code, asked by the device client outside the page, never reaches the page.
    expect(problems.unexpectedConsoleErrors()).toEqual([]);
    expect(await problems.cspViolations()).toEqual([]);
    expect(logs.text()).not.toContain(token);
    expect(logs.text()).not.toContain(new URL(uri).hash.slice(1));
  });
});
