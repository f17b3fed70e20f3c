import { randomUUID } from 'node:crypto';
import { demoUsers } from '../../local/demo-directory/seed.js';
import { activate, testUser } from '../support/activations.js';
import { activeEnrollment } from '../support/enrollments.js';
import { useLocalBlink } from '../support/local-blink.js';
import { PortalClient } from '../support/portal-client.js';

// The portal's Users and User pages' API on the local runtime: search through the search index (never a table
// Scan), paging, the never-enrolled filter, and what a row and a user's page say.
const blink = useLocalBlink({ identityProvider: 'local' });
const tag = randomUUID().slice(0, 6);
let portal: PortalClient;

interface UsersAnswer {
  users: Array<Record<string, unknown> & { userGuid: string; samAccountName: string }>;
  cursor?: string;
}

async function find(query: string): Promise<UsersAnswer> {
  const response = await portal.request(`/admin/portal/api/users?${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as UsersAnswer;
}

const enrolled = { ...testUser('Priya Raman'), samAccountName: `priya.${tag}`, mail: `priya.${tag}@corp.example.test` };
const phone = '+12065550147';

beforeAll(async () => {
  const { enrollmentStore, auditLog, optOutList } = blink.composition.adapters;
  await enrollmentStore.save(activeEnrollment(enrolled, { phoneE164: phone, app: false }), 0);
  const at = new Date();
  // A reset two minutes ago, then a lockout alert one minute ago: locked after the last reset.
  for (const [action, channel, secondsAgo] of [
    ['lockout-alert', 'system', 60],
    ['reset', 'sms', 120],
  ] as const) {
    await auditLog.record({
      userGuid: enrolled.userGuid,
      action,
      channel,
      result: 'success',
      at: new Date(at.getTime() - secondsAgo * 1000),
    });
  }
  await optOutList.optOut(phone, at);
  portal = new PortalClient(blink);
  await portal.signIn('tina.tech', demoUsers.find((user) => user.samAccountName === 'tina.tech')?.password ?? '');
});

test('finds a user by account name, first name, surname, email and the last digits of the phone', async () => {
  for (const query of [`q=priya.${tag}`, 'q=Priya%20Ram', 'q=raman', `q=priya.${tag}%40corp`, 'q=0147', 'q=550147']) {
    const { users } = await find(query);
    expect(users.map((user) => user.userGuid)).toContain(enrolled.userGuid);
  }
  expect((await find('q=0148')).users.map((user) => user.userGuid)).not.toContain(enrolled.userGuid);
});

test('a row says enrolled by SMS, set up, locked at the last scan after the last reset, opted out', async () => {
  const { users } = await find(`q=priya.${tag}`);
  expect(users.find((user) => user.userGuid === enrolled.userGuid)).toMatchObject({
    enrolled: ['sms'],
    activation: 'completed',
    activeDevices: 0,
    lastResetOrUnlock: { action: 'reset', channel: 'sms', result: 'success' },
    lockedAtLastScan: true,
    optedOut: true,
  });
});

test('the never-enrolled filter lists activated users who never finished setup, and not the others', async () => {
  const pending = await activate(blink, { ...testUser('Omar Never'), samAccountName: `aaa-never.${tag}` });
  const { users } = await find('filter=never-enrolled');
  const guids = users.map((user) => user.userGuid);
  expect(guids).toContain(pending.user.userGuid);
  expect(guids).not.toContain(enrolled.userGuid);
  expect(users.find((user) => user.userGuid === pending.user.userGuid)).toMatchObject({
    enrolled: [],
    activation: 'pending',
  });
});

test('pages of 25 with a cursor; a cursor for another partition is refused', async () => {
  const { enrollmentStore } = blink.composition.adapters;
  const many = Array.from({ length: 30 }, (_, index) => ({
    ...testUser('Zed Page'),
    samAccountName: `zpage${tag}.${String(index).padStart(2, '0')}`,
  }));
  for (const user of many) await enrollmentStore.save(activeEnrollment(user), 0);
  const first = await find(`q=zpage${tag}`);
  expect(first.users).toHaveLength(25);
  expect(first.cursor).toBeDefined();
  const second = await find(`q=zpage${tag}&cursor=${first.cursor ?? ''}`);
  expect(second.users).toHaveLength(5);
  expect(new Set([...first.users, ...second.users].map((user) => user.samAccountName)).size).toBe(30);
  expect((await portal.request(`/admin/portal/api/users?q=priya&cursor=${first.cursor ?? ''}`)).status).toBe(400);
  expect((await portal.request('/admin/portal/api/users?q=p')).status).toBe(400);
});

test('a user page: the phone masked, the timeline from the audit log', async () => {
  const response = await portal.request(`/admin/portal/api/users/${enrolled.userGuid}`);
  expect(response.status).toBe(200);
  const text = await response.text();
  expect(text).not.toContain('2065550147');
  const user = JSON.parse(text) as { maskedPhone: string; timeline: Array<{ action: string }> };
  expect(user.maskedPhone).toBe('+1 •••-•••-0147');
  expect(user.timeline.map((event) => event.action)).toEqual(['lockout-alert', 'reset']);
  expect((await portal.request(`/admin/portal/api/users/${randomUUID()}`)).status).toBe(404);
});

test('without a session the users API answers 401', async () => {
  expect((await new PortalClient(blink).request('/admin/portal/api/users?q=priya')).status).toBe(401);
});
