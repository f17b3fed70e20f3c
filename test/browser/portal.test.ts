import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import type { Page, Response } from 'playwright-core';
import { captureLogs, type LogCapture } from '../support/capture-logs.js';
import { ManualClock } from '../support/manual-clock.js';
import { pollUntil } from '../support/poll.js';
import { enrolledSambaUser } from '../integration/support/portal.js';
import {
  getSambaConnection,
  localDirectorySettings,
  lockOut,
  throwawayUsers,
  tryBind,
} from '../integration/support/samba.js';
import { desktopViewport, expectFitsAt, openPage, phoneViewport, screenshot, useBlinkInChromium } from './browser.js';

// A help-desk technician's day in the admin portal, in Debian's Chromium against the local runtime on Samba AD: sign
// in through the local identity provider as a Samba user in Blink Technicians, find a user, verify the caller with the
// code from the SMS outbox, unlock a real lockout, reset (the password reaches the user's phone and binds; it is in no
// page, answer or log line of the portal), then see the session end after 30 idle minutes. A user in neither group is
// refused; a change without the CSRF token is refused. The clock is manual so that idle expiry can be stepped over.

const ADMIN_TOKEN = `admin-${randomBytes(24).toString('base64url')}`;
const WAIT = { timeoutMs: 30_000, intervalMs: 200 };
const clock = new ManualClock(new Date());
const local = useBlinkInChromium({
  adminToken: ADMIN_TOKEN,
  directory: localDirectorySettings(),
  identityProvider: 'local',
  clock,
});
let logs: LogCapture;
const users = throwawayUsers();

beforeEach(() => {
  logs = captureLogs();
});
afterEach(() => logs.restore());

afterAll(() => users.removeAll());

interface SentSms {
  to: string;
  body: string;
}

async function smsTo(phone: string): Promise<SentSms[]> {
  const response = await fetch(`${local.blink.url}/_local/api/sms`);
  return ((await response.json()) as SentSms[]).filter((sms) => sms.to === phone);
}

async function signInAtIdp(page: Page, username: string): Promise<void> {
  await page.goto(`${local.blink.url}/admin/`);
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(getSambaConnection().fixtures.fixturePassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('a technician signs in, finds a user, verifies the caller, unlocks and resets; the password never reaches the portal', async () => {
  const { user, userGuid, phone } = await enrolledSambaUser(local.blink, ADMIN_TOKEN, users, 'brportal');
  const { page, problems } = await openPage(local.browser.context, desktopViewport);
  const portalAnswers: string[] = [];
  page.on('response', (response: Response) => {
    if (response.url().startsWith(`${local.blink.url}/admin`)) portalAnswers.push(response.url());
  });
  const bodies: Promise<string>[] = [];
  page.on('response', (response: Response) => {
    if (response.url().startsWith(`${local.blink.url}/admin`) && response.status() !== 302)
      bodies.push(response.text().catch(() => ''));
  });

  await page.goto(`${local.blink.url}/admin/`);
  await page.getByLabel('User name').waitFor();
  expect(page.url()).toMatch(new RegExp(`^${local.blink.identityProvider?.issuer}/interaction/`));
  await screenshot(page, 'portal-idp-login-desktop');
  await page.getByLabel('User name').fill('tina.tech');
  await page.getByLabel('Password').fill(getSambaConnection().fixtures.fixturePassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  expect(await page.locator('#who-name').textContent()).toBe('Tina Tech');
  expect(await page.locator('#who-role').textContent()).toBe('Technician');
  // The session cookie is not for page scripts.
  expect(await page.evaluate('document.cookie')).not.toContain('blink-portal=');

  await page.getByLabel('Search').fill(user.samAccountName);
  await page.getByRole('button', { name: 'Search' }).click();
  const link = page.getByRole('link', { name: `Test ${user.samAccountName}` });
  await link.waitFor();
  await screenshot(page, 'portal-users-desktop');
  await expectFitsAt(page, phoneViewport, 'portal-users-390');
  await page.setViewportSize(desktopViewport);
  await link.click();
  await page.getByRole('heading', { name: `Test ${user.samAccountName}` }).waitFor();
  expect(await page.locator('#masked-phone').textContent()).toBe(`+1 •••-•••-${phone.slice(-4)}`);

  // Locked out for real on Samba; the account buttons stay disabled until the caller is verified.
  await lockOut(user);
  expect(await page.getByRole('button', { name: 'Unlock account' }).isDisabled()).toBe(true);
  const before = (await smsTo(phone)).length;
  await page.getByRole('button', { name: 'Verify caller: send code' }).click();
  const codeSms = await pollUntil(async () => (await smsTo(phone))[before], {
    ...WAIT,
    description: 'the caller code SMS',
  });
  const code = /code: (\d{6})/.exec(codeSms.body)?.[1] ?? '';
  await page.getByLabel('Code the caller reads').fill(code);
  await page.getByRole('button', { name: 'Check code' }).click();
  await page.getByText(/Caller verified until/).waitFor();
  await screenshot(page, 'portal-user-verified-desktop');

  clock.advanceSeconds(20);
  await page.getByRole('button', { name: 'Unlock account' }).click();
  await page.getByText(/Unlock sent to the directory/).waitFor();
  await pollUntil(async () => ((await tryBind(user.dn, user.password)) === 'ok' ? true : undefined), {
    ...WAIT,
    description: 'the Samba account unlocked',
  });

  clock.advanceSeconds(40);
  const beforeReset = (await smsTo(phone)).length;
  await page.getByRole('button', { name: 'Reset password' }).click();
  await page.getByText(/Reset sent to the directory/).waitFor();
  const passwordSms = await pollUntil(
    async () => (await smsTo(phone)).slice(beforeReset).find((sms) => /new Windows password is/.test(sms.body)),
    {
      ...WAIT,
      description: 'the new password SMS',
    },
  );
  expect(passwordSms.body).toContain('your help desk acted on your account');
  const password = /password is (\S+)/.exec(passwordSms.body)?.[1] ?? '';
  expect(await tryBind(user.dn, password)).toBe('773');

  await page.getByRole('link', { name: 'Refresh' }).click();
  await page.getByText('Help desk asked for a reset').waitFor();
  // The verification is still there after a reload of the page, for this technician.
  expect(await page.getByRole('button', { name: 'Reset password' }).isDisabled()).toBe(false);
  await pollUntil(
    async () => {
      await page.getByRole('link', { name: 'Refresh' }).click();
      return (await page.locator('ol.timeline').textContent())?.includes('Password reset · help desk · success')
        ? true
        : undefined;
    },
    { ...WAIT, description: 'the reset in the timeline' },
  );
  await screenshot(page, 'portal-user-desktop');
  await expectFitsAt(page, phoneViewport, 'portal-user-390');

  expect(await page.content()).not.toContain(password);
  for (const body of await Promise.all(bodies)) expect(body).not.toContain(password);
  expect(portalAnswers.length).toBeGreaterThan(5);
  expect(logs.text()).not.toContain(password);
  expect(logs.text()).not.toContain(code);
  expect(problems.pageErrors).toEqual([]);
  expect(await problems.cspViolations()).toEqual([]);

  // A change without the CSRF token is refused, even from the portal's own page.
  const forged = (await page.evaluate(
    `fetch('/admin/portal/api/users/${userGuid}/unlock', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then((r) => r.status)`,
  )) as number;
  expect(forged).toBe(403);

  // 30 minutes without a request: the next one finds the session gone.
  clock.advanceSeconds(31 * 60);
  await page.getByRole('link', { name: 'Refresh' }).click();
  await page.getByRole('heading', { name: 'Signed out' }).waitFor();
  expect(await page.getByText('after a time without activity').count()).toBe(1);
  await page.close();
});

test('a Samba user in neither group signs in at the identity provider and is refused by the portal', async () => {
  const { page } = await openPage(local.browser.context, phoneViewport);
  // A fresh identity-provider session: the technician's from the first test would sign this page in as her.
  await local.browser.context.clearCookies();
  await signInAtIdp(page, getSambaConnection().fixtures.users.alice.samAccountName);
  await page.getByRole('heading', { name: 'No access to the Blink portal' }).waitFor();
  expect(await page.getByText('your account is in neither of the groups').count()).toBe(1);
  await screenshot(page, 'portal-refused-390');
  expect((await page.request.get(`${local.blink.url}/admin/portal/api/session`)).status()).toBe(401);
  await page.close();
});

test('a technician sees a real Samba lockout under "Locked now", on its page with the alert, and exports it as CSV', async () => {
  // The first test moved Blink's clock half an hour ahead; the DC's lockout is in real time.
  clock.set(new Date());
  const { user, phone } = await enrolledSambaUser(local.blink, ADMIN_TOKEN, users, 'brlocked');
  await lockOut(user);
  const before = (await smsTo(phone)).length;
  // The scan may read the other DC before the lockout replicated there: scan again until it alerts.
  await pollUntil(
    async () => {
      await local.blink.composition.lockoutWatch.scan(`browser-locked-${randomBytes(4).toString('hex')}`);
      return (await smsTo(phone))[before];
    },
    { ...WAIT, description: 'the lockout alert SMS' },
  );

  await local.browser.context.clearCookies();
  const { page, problems } = await openPage(local.browser.context, desktopViewport);
  await signInAtIdp(page, 'tina.tech');
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  await page.getByLabel('Show').selectOption('locked-now');
  await page.getByRole('button', { name: 'Search' }).click();
  const row = page.getByRole('row', { name: new RegExp(`Test ${user.samAccountName}`) });
  await row.waitFor();
  expect(await row.textContent()).toMatch(/Locked/);
  await screenshot(page, 'portal-users-locked-desktop');

  await page.getByRole('link', { name: 'Locked now' }).click();
  await page.getByRole('heading', { name: 'Locked now' }).waitFor();
  const lockedRow = page.getByRole('row', { name: new RegExp(`Test ${user.samAccountName}`) });
  await lockedRow.waitFor();
  expect(await lockedRow.textContent()).toMatch(/Alerted: SMS/);
  expect(await page.locator('main').textContent()).not.toContain('undefined');
  await screenshot(page, 'portal-locked-desktop');
  await expectFitsAt(page, phoneViewport, 'portal-locked-390');
  await page.setViewportSize(desktopViewport);

  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByLabel('Search').fill(user.samAccountName);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: `Test ${user.samAccountName}` }).waitFor();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export CSV' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^blink-users-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = await readFile(await download.path(), 'utf8');
  const lines = csv.split('\r\n').filter(Boolean);
  expect(lines[0]).toMatch(/^Name,Account,UPN,Email,/);
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain(`Test ${user.samAccountName},${user.samAccountName},`);
  expect(lines[1]).toMatch(/,yes,[^,]+,[^,]+,"alerted \(sms sent, \d+ push\)",no$/);
  await page.getByText('Export saved.').waitFor();
  await expectFitsAt(page, phoneViewport, 'portal-users-export-390');

  expect(problems.pageErrors).toEqual([]);
  expect(await problems.cspViolations()).toEqual([]);
  await page.close();
});

test('an Admin uses the emergency path for a caller who lost their phone: reason required, no password anywhere', async () => {
  const { user, userGuid, phone } = await enrolledSambaUser(local.blink, ADMIN_TOKEN, users, 'bremerg');
  const { page, problems } = await openPage(local.browser.context, desktopViewport);
  await local.browser.context.clearCookies();
  await signInAtIdp(page, 'adam.itadmin');
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  await page.goto(`${local.blink.url}/admin/#/user/${userGuid}`);
  await page.getByRole('heading', { name: `Test ${user.samAccountName}` }).waitFor();
  await page.getByText('Caller lost their phone (emergency, Admins only)').click();
  const reason = page.getByLabel('Reason (audited, sent to the operators and to the user)');
  // Too short: the browser's own check stops it before any request.
  await reason.fill('lost');
  await page.getByRole('button', { name: 'Remove the lost phone and send a new link' }).click();
  expect(await local.blink.composition.adapters.enrollmentStore.get(userGuid)).toMatchObject({ status: 'active' });
  await reason.fill('Lost phone abroad; identity confirmed by manager callback');
  await page.getByRole('button', { name: 'Remove the lost phone and send a new link' }).click();
  await page.getByText('The phone is removed. A new activation link was emailed to the user').waitFor();
  await screenshot(page, 'portal-emergency-desktop');
  await page.getByRole('link', { name: 'Refresh' }).click();
  await page.getByText('Emergency: lost phone').first().waitFor();
  expect(await page.getByText('Lost phone abroad; identity confirmed by manager callback').count()).toBeGreaterThan(0);
  expect(local.blink.listSms().filter((sms) => sms.to === phone)).toEqual([]);
  expect(problems.pageErrors).toEqual([]);
  expect(await problems.cspViolations()).toEqual([]);
  await page.close();
});
