import { execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { Attribute } from 'ldapts';
import { startLocalBlink, type LocalBlink, type SentEmailView, type SentSmsView } from '../../local/runtime.js';
import { ManualClock } from '../support/manual-clock.js';
import { pollUntil } from '../support/poll.js';
import { asAdmin, createTestUser, getSambaConnection, localDirectorySettings, type TestUser } from './support/samba.js';

/**
 * The whole of steps 1–3 as one person meets them, against the Samba DC: an admin activates (by group, by user), the
 * email's link opens the setup page's API, the SMS code verifies the phone. Then the phone is changed the only way it
 * can be: a new activation, after which the old number and the email address are told.
 */

const run = promisify(execFile);
const REPOSITORY_ROOT = path.resolve(__dirname, '../..');
const PUBLIC_BASE_URL = 'https://blink.corp.example.test';
const ADMIN_TOKEN = `admin-${randomBytes(24).toString('base64url')}`;

let blink: LocalBlink;
/** Stepped past the one-minute resend cooldown where a test sends a second code for the same enrollment. */
const clock = new ManualClock(new Date());

beforeAll(async () => {
  blink = await startLocalBlink({
    env: { TOKEN_HMAC_KEY: randomBytes(32).toString('base64'), BLINK_VERSION: 'test' },
    port: 0,
    publicBaseUrl: PUBLIC_BASE_URL,
    adminToken: ADMIN_TOKEN,
    lockoutScanIntervalSeconds: 3600,
    clock,
    directory: localDirectorySettings(),
  });
});

afterAll(async () => {
  await blink?.stop();
});

async function call(
  route: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${blink.url}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const admin = (route: string, body: unknown) => call(route, body, { authorization: `Bearer ${ADMIN_TOKEN}` });

async function cli(args: string[]): Promise<string> {
  const { stdout } = await run(path.join(REPOSITORY_ROOT, 'node_modules/.bin/tsx'), ['scripts/admin.ts', ...args], {
    cwd: REPOSITORY_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(blink.port), LOCAL_ADMIN_TOKEN: ADMIN_TOKEN },
    timeout: 30_000,
  });
  return stdout;
}

async function emailsTo(user: TestUser, count: number): Promise<SentEmailView[]> {
  return pollUntil(
    async () => {
      const emails = (await blink.listEmails()).filter(
        (email) => email.to === `${user.samAccountName}@corp.example.test`,
      );
      return emails.length >= count ? emails : undefined;
    },
    { timeoutMs: 5000, description: `${count} emails to ${user.samAccountName}` },
  );
}

function smsTo(phone: string): SentSmsView[] {
  return blink.listSms().filter((sms) => sms.to === phone);
}

function tokenIn(email: SentEmailView | undefined): string {
  const token = /https:\/\/blink\.corp\.example\.test\/setup#t=([A-Za-z0-9_-]+)/.exec(email?.text ?? '')?.[1];
  if (!token) throw new Error(`no setup link in: ${email?.text}`);
  return token;
}

/** A fictional US mobile number of its own per call (201-xxx-01yy). */
function freshPhone(): { typed: string; e164: string } {
  const exchange = 200 + randomInt(700);
  const line = `01${String(randomInt(100)).padStart(2, '0')}`;
  return { typed: `(201) ${exchange}-${line}`, e164: `+1201${exchange}${line}` };
}

/** Walks the setup page's SMS path with the token from an email; returns after the code was accepted. */
async function setUpBySms(token: string, phone: { typed: string; e164: string }, wrongCodesFirst = 0): Promise<void> {
  const opened = await call('/api/setup/open', { token });
  expect(opened).toMatchObject({ status: 200, json: { state: 'needs-phone' } });
  const before = smsTo(phone.e164).length;
  expect(await call('/api/setup/phone', { token, phone: phone.typed })).toMatchObject({
    status: 200,
    json: { state: 'choose-method' },
  });
  const codeSms = await pollUntil(async () => smsTo(phone.e164)[before], {
    timeoutMs: 5000,
    description: `a code to ${phone.e164}`,
  });
  const code = /verification code is (\d{6})\./.exec(codeSms.body)?.[1] ?? '';
  expect(code).toMatch(/^\d{6}$/);
  for (let attempt = 0; attempt < wrongCodesFirst; attempt += 1) {
    const wrong = String((Number(code) + 1 + attempt) % 1_000_000).padStart(6, '0');
    expect(await call('/api/setup/verify', { token, code: wrong })).toMatchObject({
      status: 400,
      json: { error: { code: 'CODE_INVALID' } },
    });
  }
  expect(await call('/api/setup/verify', { token, code })).toMatchObject({
    status: 200,
    json: { state: 'complete', method: 'sms' },
  });
}

describe('activation → email → setup → enrolled, against Samba', () => {
  it('activates a user through an AD group, and the emailed link takes them through the SMS path to an active enrollment', async () => {
    const { fixtures } = getSambaConnection();
    const user = await createTestUser('journey');
    const groupName = `journey-${randomBytes(4).toString('hex')}`;
    const groupDn = `CN=${groupName},${fixtures.ous.tests}`;
    await asAdmin((client) =>
      client.add(groupDn, [
        new Attribute({ type: 'objectClass', values: ['top', 'group'] }),
        new Attribute({ type: 'sAMAccountName', values: [groupName] }),
        new Attribute({ type: 'member', values: [user.dn] }),
      ]),
    );

    const resolved = await admin('/admin/activations/resolve', { target: { group: groupName } });
    const candidates = (resolved.json.candidates ?? []) as Array<{ userGuid: string; samAccountName: string }>;
    expect(candidates.map((candidate) => candidate.samAccountName)).toEqual([user.samAccountName]);
    const userGuid = candidates[0]?.userGuid ?? '';
    expect(await admin('/admin/activations', { userGuids: [userGuid] })).toMatchObject({
      status: 200,
      json: { activated: [{ samAccountName: user.samAccountName }] },
    });

    const [activationEmail] = await emailsTo(user, 1);
    const phone = freshPhone();
    await setUpBySms(tokenIn(activationEmail), phone, 2);

    const store = blink.composition.adapters.enrollmentStore;
    expect(await store.get(userGuid)).toMatchObject({
      status: 'active',
      phoneE164: phone.e164,
      methods: { sms: true, app: false },
      verificationFailures: 0,
    });
    expect((await store.findByPhone(phone.e164)).map((enrollment) => enrollment.userGuid)).toEqual([userGuid]);
    // The confirmation SMS names what to do next, and the user gets an email notice on another channel.
    expect(smsTo(phone.e164).at(-1)?.body).toContain('text RESET');
    const notices = await emailsTo(user, 2);
    expect(notices[1]?.subject).toBe('Blink: your mobile number was verified');
  });

  it('changes the phone only through a new activation, and tells the old number and the email address', async () => {
    const user = await createTestUser('newphone');
    const resolved = await admin('/admin/activations/resolve', { target: { user: user.samAccountName } });
    const userGuid = ((resolved.json.candidates ?? []) as Array<{ userGuid: string }>)[0]?.userGuid ?? '';
    await admin('/admin/activations', { userGuids: [userGuid] });
    const oldPhone = freshPhone();
    const [firstLink] = await emailsTo(user, 1);
    await setUpBySms(tokenIn(firstLink), oldPhone);

    // An enrolled user is not activated again by accident…
    const again = await cli(['activate', '--user', user.samAccountName]);
    expect(again).toContain(`already-enrolled (1): ${user.samAccountName}`);
    expect(await emailsTo(user, 2)).toHaveLength(2);
    // …only when the admin asks for it.
    const reactivated = await cli(['activate', '--user', user.samAccountName, '--reactivate']);
    expect(reactivated).toContain(`Activated 1: ${user.samAccountName}`);
    const emails = await emailsTo(user, 3);
    const newToken = tokenIn(emails[2]);

    // Until the new setup completes, the verified number keeps working.
    const store = blink.composition.adapters.enrollmentStore;
    expect(await store.get(userGuid)).toMatchObject({ status: 'active', phoneE164: oldPhone.e164 });
    const newPhone = freshPhone();
    clock.advanceSeconds(61);
    await setUpBySms(newToken, newPhone);

    expect(await store.get(userGuid)).toMatchObject({ status: 'active', phoneE164: newPhone.e164 });
    expect(await store.findByPhone(oldPhone.e164)).toEqual([]);
    expect((await store.findByPhone(newPhone.e164)).map((enrollment) => enrollment.userGuid)).toEqual([userGuid]);
    const lastFour = newPhone.e164.slice(-4);
    expect(smsTo(oldPhone.e164).at(-1)?.body).toBe(
      `Blink: the mobile number for your Windows password resets was changed to +1 •••-•••-${lastFour}. If this was not you, contact your IT service desk.`,
    );
    const changedNotice = (await emailsTo(user, 4))[3];
    expect(changedNotice?.subject).toBe('Blink: your mobile number was changed');
    expect(changedNotice?.text).toContain(`from +1 •••-•••-${oldPhone.e164.slice(-4)} to +1 •••-•••-${lastFour}`);
    // The first link stays dead.
    expect(await call('/api/setup/open', { token: tokenIn(firstLink) })).toMatchObject({
      status: 404,
      json: { error: { code: 'LINK_INVALID' } },
    });
  });
});
