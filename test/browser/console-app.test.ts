import { randomBytes } from 'node:crypto';
import { Client } from 'ldapts';
import { captureLogs, type LogCapture } from '../support/capture-logs.js';
import { postAdmin } from '../support/admin-api.js';
import { pollUntil } from '../support/poll.js';
import { desktopViewport, openPage, phoneViewport, screenshot, useBlinkInChromium } from './browser.js';

// The QR path finished entirely by clicking: the setup page in one tab, the console's simulated phone in another.
// Nobody opens a terminal: the console enrolls the device, the setup page completes by itself, and the phone's
// buttons reset the password, read the status and try an unlock.

const ADMIN_TOKEN = `admin-${randomBytes(24).toString('base64url')}`;

describe('console plays the app (browser)', () => {
  let logs: LogCapture;
  const local = useBlinkInChromium({ env: { RESET_FORCE_CHANGE: 'false' }, adminToken: ADMIN_TOKEN });

  beforeEach(() => {
    logs = captureLogs();
  });
  afterEach(() => logs.restore());

  /** jane.doe activated through the admin API; the link of her activation email. */
  async function activationLink(): Promise<string> {
    const admin = async (route: string, body: unknown) =>
      (await postAdmin(local.blink, ADMIN_TOKEN, route, body)) as Record<string, unknown>;
    const resolved = await admin('/admin/activations/resolve', { target: { user: 'jane.doe' } });
    const userGuid = (resolved['candidates'] as Array<{ userGuid: string }>)[0]?.userGuid;
    await admin('/admin/activations', { userGuids: [userGuid] });
    const email = await pollUntil(
      async () => (await local.blink.listEmails()).find((sent) => sent.to === 'jane.doe@corp.example.test'),
      {
        timeoutMs: 15_000,
        description: 'the activation email',
      },
    );
    const link = /http\S+\/setup#t=[A-Za-z0-9_-]+/.exec(email.text)?.[0];
    if (!link) throw new Error('no setup link in the activation email');
    return link;
  }

  async function bindsInDemo(password: string): Promise<boolean> {
    if (local.blink.directory.kind !== 'demo') throw new Error('demo directory expected');
    const client = new Client({
      url: local.blink.directory.server.url,
      tlsOptions: { ca: [local.blink.directory.server.caPem] },
      timeout: 5_000,
    });
    try {
      await client.bind('jane.doe@corp.example.test', password);
      return true;
    } catch {
      return false;
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  it('QR path: the link under the QR code pasted into the console, Enroll, Setup complete, then Reset, Status and Unlock', async () => {
    const link = await activationLink();
    const setup = await openPage(local.browser.context, phoneViewport);
    await setup.page.goto(link);
    await setup.page.getByLabel('Mobile number').fill('+1 201 555 0149');
    await setup.page.getByRole('button', { name: 'Send Verification Code' }).click();
    await setup.page.getByRole('button', { name: 'Scan QR code' }).click();
    const uriField = setup.page.getByLabel("Can't scan? Setup link for the app");
    const uri = await pollUntil(async () => (await uriField.inputValue()) || undefined, {
      timeoutMs: 10_000,
      description: 'the QR link under the code',
    });
    expect(uri).toMatch(new RegExp(`^${local.blink.publicBaseUrl}/app/enroll#`));

    const consolePage = await openPage(local.browser.context, desktopViewport);
    const { page } = consolePage;
    await page.goto(local.blink.consoleUrl);
    await page.getByRole('heading', { name: 'App (simulated phone)' }).waitFor();
    expect(await page.getByText('No simulated device yet.').isVisible()).toBe(true);
    await page.getByLabel('Setup link from under the QR code').fill(uri);
    await page.getByLabel('Unlock method').selectOption('pin');
    await page.getByLabel('Platform').selectOption('android');
    await page.getByRole('button', { name: 'Enroll' }).click();
    await page.getByRole('status').filter({ hasText: 'Enrolled Jane Doe (jane.doe) as device' }).waitFor();

    // The console reloads with the device listed; the setup page, polling, completes without a click.
    const row = page.getByRole('row').filter({ hasText: 'Jane Doe' });
    await row.waitFor({ timeout: 10_000 });
    expect(await row.innerText()).toMatch(/PIN\s+Android\s+\d{4}-\d\d-\d\dT/);
    await setup.page.getByRole('heading', { name: 'Setup complete' }).waitFor({ timeout: 15_000 });

    const screen = page.locator('.device-screen');
    await page.getByRole('button', { name: 'Reset password' }).click();
    const password = (await page.locator('.device-screen .device-password').textContent({ timeout: 30_000 })) ?? '';
    expect(await screen.innerText()).toContain('New Windows password for Jane Doe (jane.doe):');
    expect(password.length).toBeGreaterThanOrEqual(12);
    expect(await bindsInDemo(password)).toBe(true);
    await screenshot(page, 'console-app-reset-desktop');

    await page.getByRole('button', { name: 'Status' }).click();
    await page.locator('.device-screen[data-outcome="status"]').waitFor();
    expect(await screen.innerText()).toContain('"samAccountName": "jane.doe"');

    await page.getByRole('button', { name: 'Unlock account' }).click();
    await page.locator('.device-screen[data-outcome="not-locked"]').waitFor({ timeout: 30_000 });
    expect(await screen.innerText()).toContain('The Windows account of Jane Doe (jane.doe) is not locked.');

    // A refused enrollment says why, next to the form.
    await page.getByLabel('Setup link from under the QR code').fill('https://example.com/not-a-blink-link');
    await page.getByRole('button', { name: 'Enroll' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Refused: Invalid enrollment: Not a Blink enrollment link' })
      .waitFor();
    await page.setViewportSize(desktopViewport);
    await screenshot(page, 'console-app-desktop');

    for (const { problems } of [setup, consolePage]) {
      expect(problems.pageErrors).toEqual([]);
      expect(await problems.cspViolations()).toEqual([]);
    }
    // 400: the refused enrollment above.
    expect(consolePage.problems.unexpectedConsoleErrors([400])).toEqual([]);
    expect(logs.text()).not.toContain(password);
  });
});
