import { randomBytes, randomUUID } from 'node:crypto';
import { postAdmin } from '../support/admin-api.js';
import { pollUntil } from '../support/poll.js';
import { desktopViewport, expectFitsAt, openPage, phoneViewport, screenshot, useBlinkInChromium } from './browser.js';

// The console as someone demoing Blink uses it: on a phone or a laptop, light or dark, updating by itself while they
// type, with clickable links in emails and a button to lock a demo user out.

const ADMIN_TOKEN = `admin-${randomBytes(24).toString('base64url')}`;

describe('console for a demo (browser)', () => {
  const marker = randomUUID().slice(0, 8);
  const longLink = `http://127.0.0.1/setup#t=${'A1b2C3d4'.repeat(8)}`;
  const local = useBlinkInChromium({ adminToken: ADMIN_TOKEN });

  beforeAll(async () => {
    await local.blink.composition.adapters.smsSender.send({
      to: '+12065550123',
      body: `Your Blink code is 123456 (${marker}). It expires in 10 minutes.`,
    });
    await local.blink.composition.adapters.emailSender.send({
      to: 'jane.doe@corp.example.test',
      subject: `Set up Blink ${marker}`,
      text: `Hello Jane,\n\nOpen this link on your phone to set up Blink: ${longLink}.\n\nIT`,
      html: `<p>Open <a href="${longLink}">${longLink}</a></p>`,
    });
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`fits a phone and a desktop in ${colorScheme} mode, with clickable links in emails`, async () => {
      const { page, problems } = await openPage(local.browser.context, phoneViewport);
      await page.emulateMedia({ colorScheme });
      await page.goto(local.blink.consoleUrl);
      await page.getByRole('heading', { name: 'Blink demo console' }).waitFor();
      const background = (await page.evaluate('getComputedStyle(document.body).backgroundColor')) as string;
      const [red = 0] = (background.match(/\d+/g) ?? []).map(Number);
      expect(colorScheme === 'dark' ? red < 60 : red > 200).toBe(true);

      const link = page.getByRole('link', { name: longLink });
      expect(await link.getAttribute('href')).toBe(longLink);
      // The full stop after the link is not part of it; the link wraps instead of widening the page.
      expect(await page.locator('.email-text').first().innerText()).toContain(`${longLink}.`);
      await expectFitsAt(page, phoneViewport, `console-phone-${colorScheme}`);

      await expectFitsAt(page, desktopViewport, `console-desktop-${colorScheme}`);
      expect(problems.pageErrors).toEqual([]);
      expect(await problems.cspViolations()).toEqual([]);
      expect(problems.unexpectedConsoleErrors()).toEqual([]);
      await page.close();
    });
  }

  it('updates by itself without a reload, keeping what is typed and where the page is scrolled', async () => {
    const { page, problems } = await openPage(local.browser.context, phoneViewport);
    await page.goto(local.blink.consoleUrl);
    await page.evaluate('window.notReloaded = true');
    const message = page.getByLabel('Message');
    await message.fill('UNLOCK half-typed');
    await page.getByRole('heading', { name: 'Directory', exact: true }).scrollIntoViewIfNeeded();
    const scrolled = (await page.evaluate('window.scrollY')) as number;
    expect(scrolled).toBeGreaterThan(300);

    const fresh = `New text ${randomUUID()}`;
    await local.blink.composition.adapters.smsSender.send({ to: '+12065550199', body: fresh });
    await page.getByText(fresh).waitFor({ state: 'attached', timeout: 10_000 });

    expect(await page.evaluate('window.notReloaded')).toBe(true);
    expect(await message.inputValue()).toBe('UNLOCK half-typed');
    // Content was added above: the page keeps showing the same place instead of jumping back to the top.
    expect((await page.evaluate('window.scrollY')) as number).toBeGreaterThanOrEqual(scrolled);
    expect(problems.pageErrors).toEqual([]);
    await page.close();
  });

  it('locks a demo user out with a button, and the directory table says so', async () => {
    const { page, problems } = await openPage(local.browser.context, phoneViewport);
    await page.goto(local.blink.consoleUrl);
    const row = page.getByRole('row').filter({ hasText: 'john.smith' });
    expect(await row.getByRole('cell').nth(3).innerText()).toBe('no');
    await row.getByRole('button', { name: 'Lock out' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'john.smith is locked out (after 5 wrong passwords)' })
      .waitFor({ timeout: 15_000 });
    await pollUntil(async () => ((await row.getByRole('cell').nth(3).innerText()) === 'yes' ? true : undefined), {
      timeoutMs: 10_000,
      description: 'the directory table to show john.smith locked',
    });
    await page.getByRole('button', { name: 'Check for locked accounts now' }).click();
    await page.getByRole('status').filter({ hasText: 'Blink is checking the directory for locked accounts' }).waitFor();
    await screenshot(page, 'console-phone-locked');
    expect(problems.pageErrors).toEqual([]);
    expect(await problems.cspViolations()).toEqual([]);
    await page.close();
  });

  it('sends an activation email that fits a phone, and a second one that says it replaces the first', async () => {
    const admin = async (route: string, body: unknown) =>
      (await postAdmin(local.blink, ADMIN_TOKEN, route, body)) as { candidates: Array<{ userGuid: string }> };
    const { candidates } = await admin('/admin/activations/resolve', { target: { user: 'jane.doe' } });
    const userGuids = candidates.map((candidate) => candidate.userGuid);
    const activationEmails = async (count: number) =>
      pollUntil(
        async () => {
          const sent = (await local.blink.listEmails()).filter(
            (email) => email.to === 'jane.doe@corp.example.test' && email.subject.startsWith('Activate'),
          );
          return sent.length >= count ? sent : undefined;
        },
        { timeoutMs: 15_000, description: `${count} activation emails` },
      );
    await admin('/admin/activations', { userGuids });
    const [first] = await activationEmails(1);
    await admin('/admin/activations', { userGuids });
    // Each email carries its own link, so the second is the one whose text differs.
    const second = (await activationEmails(2)).find((email) => email.text !== first?.text);
    expect(first?.text).not.toContain('replaces');
    expect(second?.subject).toBe('Activate Blink password reset (new link)');
    expect(second?.text).toContain(
      'This email replaces the earlier one: the link in that email no longer works. Use this one.',
    );
    expect(second?.html).toContain('This email replaces the earlier one');

    // The HTML part as a phone's mail app shows it: the long setup link wraps instead of widening the message.
    const { page, problems } = await openPage(local.browser.context, phoneViewport);
    await page.setContent(second?.html ?? '');
    await expectFitsAt(page, phoneViewport, 'activation-email-phone');
    expect(problems.pageErrors).toEqual([]);
    await page.close();
  });
});
