import { randomBytes } from 'node:crypto';
import { pollUntil } from '../support/poll.js';
import { PortalClient } from '../support/portal-client.js';
import { enrolledSambaUser, signedInTinaAndAdam } from './support/portal.js';
import { lockOut, tryBind, useSambaSuite } from './support/samba.js';

// Caller-verified help-desk actions against Samba AD: the technician signs in through the local identity provider
// (Samba fixture users in Blink Technicians / Blink Admins), sends a code to the user's verified phone, types what the
// caller reads back, and only then unlocks a real lockout and resets a password that reaches the user's phone (never
// the portal). Verifications are bound to one user and one technician.

const ADMIN_TOKEN = `admin-${randomBytes(24).toString('base64url')}`;
const WAIT = { timeoutMs: 30_000, intervalMs: 200 };
const { blink, users } = useSambaSuite({ adminToken: ADMIN_TOKEN, identityProvider: 'local' });
let tina: PortalClient;
let adam: PortalClient;

beforeAll(async () => {
  ({ tina, adam } = await signedInTinaAndAdam(blink));
});

const enrolledUser = (prefix: string) => enrolledSambaUser(blink, ADMIN_TOKEN, users, prefix);

const smsTo = (phone: string) => blink.listSms().filter((sms) => sms.to === phone);

async function verifyCaller(technician: PortalClient, userGuid: string, phone: string): Promise<string> {
  const before = smsTo(phone).length;
  expect((await technician.change(`/admin/portal/api/users/${userGuid}/verify-caller`, {})).status).toBe(200);
  const sms = await pollUntil(async () => smsTo(phone)[before], { ...WAIT, description: 'the caller code SMS' });
  const code = /code: (\d{6})/.exec(sms.body)?.[1] ?? '';
  expect(code).toMatch(/^\d{6}$/);
  return code;
}

test('unlock: refused before verification, then a real Samba lockout cleared for the verified caller', async () => {
  const { user, userGuid, phone } = await enrolledUser('pdunlock');
  await lockOut(user);
  expect(await tryBind(user.dn, user.password)).toBe('775');

  expect((await tina.change(`/admin/portal/api/users/${userGuid}/unlock`, {})).status).toBe(403);
  const code = await verifyCaller(tina, userGuid, phone);
  expect(smsTo(phone).at(-1)?.body).toContain('Tina Tech');
  const wrong = code === '000000' ? '000001' : '000000';
  expect((await tina.change(`/admin/portal/api/users/${userGuid}/verify-caller/confirm`, { code: wrong })).status).toBe(
    400,
  );
  // Without the CSRF token the right code does nothing.
  expect(
    (await tina.change(`/admin/portal/api/users/${userGuid}/verify-caller/confirm`, { code }, { 'x-csrf-token': 'x' }))
      .status,
  ).toBe(403);
  expect((await tina.change(`/admin/portal/api/users/${userGuid}/verify-caller/confirm`, { code })).status).toBe(200);
  // Single use.
  expect((await tina.change(`/admin/portal/api/users/${userGuid}/verify-caller/confirm`, { code })).status).toBe(400);

  const before = smsTo(phone).length;
  expect((await tina.change(`/admin/portal/api/users/${userGuid}/unlock`, {})).status).toBe(202);
  await pollUntil(async () => ((await tryBind(user.dn, user.password)) === 'ok' ? true : undefined), {
    ...WAIT,
    description: 'the account unlocked',
  });
  const notice = await pollUntil(async () => smsTo(phone)[before], { ...WAIT, description: 'the unlock notice' });
  expect(notice.body).toContain('your help desk acted on your account');
  expect(notice.body).toContain('unlocked');

  const detail = (await (await tina.request(`/admin/portal/api/users/${userGuid}`)).json()) as {
    timeline: Array<{ action: string; actor?: string; result: string }>;
  };
  const unlockEvent = await pollUntil(
    async () =>
      ((await (await tina.request(`/admin/portal/api/users/${userGuid}`)).json()) as typeof detail).timeline.find(
        (event) => event.action === 'unlock',
      ),
    { ...WAIT, description: 'the unlock in the audit timeline' },
  );
  expect(unlockEvent).toMatchObject({ result: 'success', actor: expect.stringContaining('(Tina Tech)') });
  expect(
    detail.timeline.some((event) => event.action === 'portal.caller-verified' && event.actor?.includes('Tina Tech')),
  ).toBe(true);
});

test('reset: the new password reaches the user phone and binds on Samba; the portal never shows it', async () => {
  const { user, userGuid, phone } = await enrolledUser('pdreset');
  const code = await verifyCaller(tina, userGuid, phone);
  expect((await tina.change(`/admin/portal/api/users/${userGuid}/verify-caller/confirm`, { code })).status).toBe(200);
  const before = smsTo(phone).length;
  const answer = await tina.change(`/admin/portal/api/users/${userGuid}/reset`, {});
  expect(answer.status).toBe(202);
  const answerText = await answer.text();
  const sms = await pollUntil(
    async () =>
      smsTo(phone)
        .slice(before)
        .find((message) => /new Windows password is/.test(message.body)),
    {
      ...WAIT,
      description: 'the new password SMS',
    },
  );
  expect(sms.body).toContain('your help desk acted on your account');
  const password = /password is (\S+)/.exec(sms.body)?.[1] ?? '';
  expect(password.length).toBeGreaterThanOrEqual(15);
  // Must change at next logon (773) means AD accepted exactly this password.
  expect(await tryBind(user.dn, password)).toBe('773');
  expect(await tryBind(user.dn, user.password)).toBe('52e');
  const pages = [
    answerText,
    await (await tina.request(`/admin/portal/api/users/${userGuid}`)).text(),
    await (await tina.request(`/admin/portal/api/users?q=${user.samAccountName}`)).text(),
    await (await tina.request('/admin/')).text(),
  ];
  for (const page of pages) expect(page).not.toContain(password);
});

test('a verification works only for the technician who made it and the user it was made for', async () => {
  const first = await enrolledUser('pdbound1');
  const second = await enrolledUser('pdbound2');
  const code = await verifyCaller(tina, first.userGuid, first.phone);
  // Another technician cannot use Tina's code, nor her verification.
  expect((await adam.change(`/admin/portal/api/users/${first.userGuid}/verify-caller/confirm`, { code })).status).toBe(
    400,
  );
  expect((await tina.change(`/admin/portal/api/users/${first.userGuid}/verify-caller/confirm`, { code })).status).toBe(
    200,
  );
  expect((await adam.change(`/admin/portal/api/users/${first.userGuid}/reset`, {})).status).toBe(403);
  // Tina's verification of the first user says nothing about the second.
  expect((await tina.change(`/admin/portal/api/users/${second.userGuid}/reset`, {})).status).toBe(403);
  expect((await tina.change(`/admin/portal/api/users/${second.userGuid}/verify-caller/confirm`, { code })).status).toBe(
    400,
  );
});

test('five wrong codes kill the code', async () => {
  const { userGuid, phone } = await enrolledUser('pdtries');
  const code = await verifyCaller(tina, userGuid, phone);
  const wrong = code === '111111' ? '222222' : '111111';
  for (let attempt = 0; attempt < 5; attempt += 1) {
    expect(
      (await tina.change(`/admin/portal/api/users/${userGuid}/verify-caller/confirm`, { code: wrong })).status,
    ).toBe(400);
  }
  const last = await tina.change(`/admin/portal/api/users/${userGuid}/verify-caller/confirm`, { code });
  expect(last.status).toBe(400);
  expect(await last.text()).toContain('Send a new one');
});

test('resend activation: a new link for a user who never finished setup, none for an enrolled one', async () => {
  const pending = await users.create('pdresend');
  const resolved = await fetch(`${blink.url}/admin/activations/resolve`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ target: { user: pending.samAccountName } }),
  });
  const userGuid =
    ((await resolved.json()) as { candidates: Array<{ userGuid: string }> }).candidates[0]?.userGuid ?? '';
  const answer = await tina.change(`/admin/portal/api/users/${userGuid}/resend-activation`, {});
  expect(answer.status).toBe(200);
  expect(((await answer.json()) as { activated: unknown[] }).activated).toHaveLength(1);
  const mails = (await blink.listEmails()).filter(
    (mail) => mail.to.toLowerCase() === `${pending.samAccountName}@corp.example.test`.toLowerCase(),
  );
  expect(mails).toHaveLength(1);
  const trail = (await (await tina.request(`/admin/portal/api/users/${userGuid}`)).json()) as {
    timeline: Array<{ action: string; actor?: string }>;
  };
  expect(trail.timeline.find((event) => event.action === 'enrollment.activated')?.actor).toContain('(Tina Tech)');

  const enrolled = await enrolledUser('pdresend2');
  const refused = await tina.change(`/admin/portal/api/users/${enrolled.userGuid}/resend-activation`, {});
  expect(((await refused.json()) as { skipped: Array<{ reason: string }> }).skipped[0]?.reason).toBe(
    'already-enrolled',
  );
});

test('revoking a device is for admins: a technician is refused', async () => {
  const response = await tina.change(
    `/admin/portal/api/devices/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}/revoke`,
    {},
  );
  expect(response.status).toBe(403);
  const asAdmin = await adam.change(
    `/admin/portal/api/devices/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}/revoke`,
    {},
  );
  expect(asAdmin.status).toBe(404);
});

test('at most 5 caller codes per user per hour, whichever technician asks', async () => {
  const { userGuid, phone } = await enrolledUser('pdlimit');
  for (let sent = 0; sent < 5; sent += 1) {
    const technician = sent % 2 === 0 ? tina : adam;
    expect((await technician.change(`/admin/portal/api/users/${userGuid}/verify-caller`, {})).status).toBe(200);
  }
  const refused = await adam.change(`/admin/portal/api/users/${userGuid}/verify-caller`, {});
  expect(refused.status).toBe(429);
  expect(smsTo(phone)).toHaveLength(5);
});
