import { randomBytes } from 'node:crypto';
import { Attribute } from 'ldapts';
import type { Page } from 'playwright-core';
import { activationSummary } from '../../shared/domain/activation-summary.js';
import { dayOf } from '../../shared/domain/reports.js';
import { pollUntil } from '../support/poll.js';
import { asAdmin, getSambaConnection, localDirectorySettings, throwawayUsers } from '../integration/support/samba.js';
import {
  axeViolations,
  desktopViewport,
  expectFitsAt,
  openPage,
  phoneViewport,
  screenshot,
  useBlinkInChromium,
} from './browser.js';

// The admin portal's Admin-only pages in Chromium against the local runtime on Samba AD: an Admin (adam.itadmin, in
// Blink Admins through the nested IT Operations) picks a group from AD, dry-runs it (who would get an email, why the
// disabled member is skipped), sends it with a progress bar that ends with the CLI's summary; the emails are in the
// local outbox, and the Reports page counts what the test did. A technician sees neither page and gets 403.

const WAIT = { timeoutMs: 30_000, intervalMs: 200 };
const suite = useBlinkInChromium({ directory: localDirectorySettings(), identityProvider: 'local' });
const users = throwawayUsers();
const groupName = `portal-act-${randomBytes(3).toString('hex')}`;
let groupDn = '';

afterAll(async () => {
  await users.removeAll();
  if (groupDn) await asAdmin((client) => client.del(groupDn)).catch(() => undefined);
});

async function signIn(page: Page, username: string): Promise<void> {
  await page.goto(`${suite.blink.url}/admin/`);
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(getSambaConnection().fixtures.fixturePassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Users' }).waitFor();
}

async function checkScreen(page: Page, name: string): Promise<void> {
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, `${name}-desktop`);
  await page.setViewportSize(phoneViewport);
  // Charts are redrawn for the narrower window.
  await pollUntil(
    async () =>
      (await page.evaluate(
        '[...document.querySelectorAll("svg.chart:not(.share)")].every((chart) => chart.viewBox.baseVal.width < 500)',
      ))
        ? true
        : undefined,
    { ...WAIT, description: 'the charts redrawn for a phone' },
  );
  await expectFitsAt(page, phoneViewport, `${name}-390`);
  await page.setViewportSize(desktopViewport);
}

test('an admin dry-runs a group, activates it with progress to the CLI summary, and Reports count it', async () => {
  const { blink, browser } = suite;
  const first = await users.create('pa-one');
  const second = await users.create('pa-two');
  const disabled = await users.create('pa-off', { userAccountControl: '514' });
  groupDn = `CN=${groupName},${getSambaConnection().fixtures.ous.tests}`;
  await asAdmin((client) =>
    client.add(groupDn, [
      new Attribute({ type: 'objectClass', values: ['top', 'group'] }),
      new Attribute({ type: 'sAMAccountName', values: [groupName] }),
      new Attribute({ type: 'member', values: [first.dn, second.dn, disabled.dn] }),
    ]),
  );

  const { page, problems } = await openPage(browser.context, desktopViewport);
  await signIn(page, 'adam.itadmin');
  expect(await page.locator('#who-role').textContent()).toBe('Admin');
  await page.getByRole('link', { name: 'Activate' }).click();
  await page.getByRole('heading', { name: 'Activate' }).waitFor();

  // Picked from AD by the beginning of its name, not typed as a DN.
  await page.getByLabel('Find in AD').fill(groupName.slice(0, 14));
  await page.getByRole('button', { name: new RegExp(groupName) }).click();
  expect(await page.locator('#chosen').textContent()).toContain(groupName);
  await page.getByRole('button', { name: 'Dry run' }).click();
  await page.getByRole('heading', { name: 'Would email 2' }).waitFor();
  expect(await page.locator('#progress-text').textContent()).toContain('Dry run: nothing sent, nothing written.');
  expect(await page.locator('ul.skipped').textContent()).toContain(
    `${disabled.samAccountName} — account disabled in AD`,
  );
  const wouldEmail = await page.locator('#would-email tbody td[data-label="Account"]').allTextContents();
  expect([...wouldEmail].sort()).toEqual([first.samAccountName, second.samAccountName].sort());
  expect(await blink.listEmails()).toEqual([]);
  await checkScreen(page, 'portal-activate-dry-run');

  await page.getByRole('button', { name: 'Send activation to 2' }).click();
  await page.getByRole('heading', { name: 'Done' }).waitFor();
  expect(await page.locator('#progress').getAttribute('value')).toBe('2');
  expect(await page.locator('#progress-text').textContent()).toBe('Progress: 2/2 processed (2 activated)');
  // Word for word what `npm run admin -- activate` prints at the end.
  expect(await page.locator('#summary').textContent()).toBe(
    activationSummary(
      wouldEmail.map((samAccountName) => ({ samAccountName })),
      [{ name: disabled.samAccountName, reason: 'disabled' }],
    ).join('\n'),
  );
  await checkScreen(page, 'portal-activate-done');
  const emails = await pollUntil(
    async () => {
      const sent = (await blink.listEmails()).map((email) => email.to).sort();
      return sent.length >= 2 ? sent : undefined;
    },
    { ...WAIT, description: 'the two activation emails' },
  );
  expect(emails).toEqual([first, second].map((user) => `${user.samAccountName}@corp.example.test`).sort());

  // Reports: the two activations today, both never enrolled yet, and the group's coverage.
  await page.getByRole('link', { name: 'Reports' }).click();
  await page.getByRole('heading', { name: 'Reports' }).waitFor();
  expect(await page.locator('#fig-activated .value').textContent()).toBe('2');
  expect(await page.locator('#fig-never .value').textContent()).toBe('2');
  expect(await page.locator('#fig-resets .value').textContent()).toBe('0');
  expect(await page.locator('#coverage svg.chart polyline').count()).toBe(5);
  await page.getByLabel('Find in AD').fill(groupName.slice(0, 14));
  await page.getByRole('button', { name: new RegExp(groupName) }).click();
  await page.getByText(`${groupName}: 3 members, 2 activated, 1 not activated.`).waitFor({ timeout: WAIT.timeoutMs });
  await checkScreen(page, 'portal-reports');
  const csv = await page.request.get(`${blink.url}/admin/portal/api/reports/csv/daily?days=7`);
  expect(csv.status()).toBe(200);
  const today = (await csv.text()).trim().split('\r\n').at(-1) ?? '';
  expect(today.split(',').slice(0, 2)).toEqual([dayOf(new Date()), '2']);

  expect(problems.pageErrors).toEqual([]);
  expect(await problems.cspViolations()).toEqual([]);
  await page.close();
});

test('a technician sees neither Activate nor Reports, and their API answers 403', async () => {
  const { blink, browser } = suite;
  await browser.context.clearCookies();
  const { page, problems } = await openPage(browser.context, phoneViewport);
  await signIn(page, 'tina.tech');
  expect(await page.getByRole('link', { name: 'Activate' }).count()).toBe(0);
  expect(await page.getByRole('link', { name: 'Reports' }).count()).toBe(0);
  // Straight on from the Users page while its list may still be loading: that list must not draw over this page.
  await page.goto(`${blink.url}/admin/#/activate`);
  await page.getByRole('heading', { name: 'Admins only' }).waitFor();
  const statuses = (await page.evaluate(`Promise.all([
    fetch('/admin/portal/api/reports').then((r) => r.status),
    fetch('/admin/portal/api/activation-targets?kind=group&q=Blink').then((r) => r.status),
  ])`)) as number[];
  expect(statuses).toEqual([403, 403]);
  expect(problems.pageErrors).toEqual([]);
  await page.close();
});
