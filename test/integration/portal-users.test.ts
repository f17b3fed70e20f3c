import { randomUUID } from 'node:crypto';
import { demoUsers } from '../../local/demo-directory/seed.js';
import { activate, testUser } from '../support/activations.js';
import { activeEnrollment } from '../support/enrollments.js';
import { useLocalBlink } from '../support/local-blink.js';
import { PortalClient } from '../support/portal-client.js';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../shared/composition/aws-clients.js';
import { DynamoLockoutAlertLog } from '../../shared/adapters/dynamodb/lockout-alert-log.js';
import type { LockoutAlertRecord } from '../../shared/ports/lockout-alert-log.js';
import type { AuditEvent } from '../../shared/ports/audit-log.js';
import { localTarget } from '../support/local-aws.js';
import { newestItemsByPrefix } from '../../shared/adapters/dynamodb/table.js';
import { generateDeviceKeys } from '../../device-client/client';

// The portal's Users and User pages' API on the local runtime: search through the search index (never a table
// Scan), paging, the never-enrolled and locked-now filters, and what a row and a user's page say, with the row facts
// kept where they change (devices, audited resets and unlocks, the lockout scan's records).
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

const enrolled = {
  ...testUser('Priya Raman'),
  samAccountName: `priya.${tag}`,
  mail: `priya.${tag}@corp.example.test`,
  userPrincipalName: `p.raman.${tag}@corp.example.test`,
};
const phone = '+12065550147';
let alertLog: DynamoLockoutAlertLog;

/** A lockout as the scan records it, `lockedAgoMs` ago, ending `endsInMs` from now (undefined: only an unlock ends it). */
function lockout(userGuid: string, lockedAgoMs: number, endsInMs: number | undefined): LockoutAlertRecord {
  const now = Date.now();
  return {
    userGuid,
    lockoutTime: String(133_000_000_000_000_000 + now - lockedAgoMs),
    lockedAt: new Date(now - lockedAgoMs),
    handledAt: new Date(now - lockedAgoMs + 5_000),
    outcome: 'alerted',
    sms: 'sent',
    pushes: 1,
    ...(endsInMs !== undefined ? { lockoutEndsAt: new Date(now + endsInMs) } : {}),
  };
}

/** Binds an app device to the user, as the device API stores it. */
async function bindDevice(userGuid: string): Promise<string> {
  const deviceId = randomUUID();
  await blink.composition.adapters.deviceStore.add({
    deviceId,
    userGuid,
    publicKey: generateDeviceKeys().publicKey,
    unlockMethod: 'none',
    platform: 'android',
    boundAt: new Date(),
  });
  return deviceId;
}

/** An active app user named `fullName`, account `<first name>.<tag>`, saved as a new enrollment. */
async function enrolledAppUser(fullName: string) {
  const account = { ...testUser(fullName), samAccountName: `${fullName.split(' ')[0]?.toLowerCase()}.${tag}` };
  await blink.composition.adapters.enrollmentStore.save(activeEnrollment(account, { app: true }), 0);
  return account;
}

/** A successful audit event of the user, `agoMs` before now. */
const recordSuccess = (userGuid: string, action: AuditEvent['action'], channel: AuditEvent['channel'], agoMs = 0) =>
  blink.composition.adapters.auditLog.record({
    userGuid,
    action,
    channel,
    result: 'success',
    at: new Date(Date.now() - agoMs),
  });

/** The table and key of the user's Users-row facts (device count, last reset or unlock). */
const rowFactsOf = (userGuid: string) => ({
  TableName: blink.composition.env.TABLE_NAME,
  Key: { pk: `USER#${userGuid}`, sk: 'ROWFACTS' },
});

beforeAll(async () => {
  const { enrollmentStore, optOutList } = blink.composition.adapters;
  alertLog = new DynamoLockoutAlertLog(createDocumentClient(localTarget(blink.services.dynamodb)), {
    tableName: blink.composition.env.TABLE_NAME,
    now: () => new Date(),
  });
  await enrollmentStore.save(activeEnrollment(enrolled, { phoneE164: phone, app: false }), 0);
  await recordSuccess(enrolled.userGuid, 'reset', 'sms', 120_000);
  await alertLog.record(lockout(enrolled.userGuid, 60_000, 30 * 60_000), new Date(Date.now() + 86_400_000));
  await recordSuccess(enrolled.userGuid, 'lockout-alert', 'system', 55_000);
  await optOutList.optOut(phone, new Date());
  portal = new PortalClient(blink);
  await portal.signIn('tina.tech', demoUsers.find((user) => user.samAccountName === 'tina.tech')?.password ?? '');
});

test('finds a user by account name, first name, surname, email, UPN and the last digits of the phone', async () => {
  for (const query of [
    `q=priya.${tag}`,
    'q=Priya%20Ram',
    'q=raman',
    `q=priya.${tag}%40corp`,
    `q=p.raman.${tag}`,
    'q=0147',
    'q=550147',
  ]) {
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
    lockout: { alert: { outcome: 'alerted', sms: 'sent', pushes: 1 } },
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

test('locked now: listed while the scanned lockout lasts, off the list once it ends or a reset or unlock succeeds', async () => {
  const { enrollmentStore, auditLog } = blink.composition.adapters;
  const user = (name: string) => ({ ...testUser(name), samAccountName: `${name.split(' ')[0]?.toLowerCase()}.${tag}` });
  const [unending, ended, unlocked, failedUnlock] = [
    user('Una Ending'),
    user('Ed Ended'),
    user('Ulla Unlocked'),
    user('Fay Failed'),
  ];
  for (const account of [unending, ended, unlocked, failedUnlock])
    await enrollmentStore.save(activeEnrollment(account), 0);
  const keep = new Date(Date.now() + 86_400_000);
  await alertLog.record(lockout(unending.userGuid, 10_000, undefined), keep);
  await alertLog.record(lockout(ended.userGuid, 40 * 60_000, -60_000), keep);
  await alertLog.record(lockout(unlocked.userGuid, 20_000, 30 * 60_000), keep);
  await alertLog.record(lockout(failedUnlock.userGuid, 20_000, 30 * 60_000), keep);
  const unlockBy = (userGuid: string, result: 'success' | 'failed') =>
    auditLog.record({ userGuid, action: 'unlock', channel: 'admin', result, at: new Date() });
  await unlockBy(unlocked.userGuid, 'success');
  await unlockBy(failedUnlock.userGuid, 'failed');

  const listed = (await find('filter=locked-now')).users;
  const guids = listed.map((row) => row.userGuid);
  expect(guids).toEqual(expect.arrayContaining([enrolled.userGuid, unending.userGuid, failedUnlock.userGuid]));
  expect(guids).not.toContain(ended.userGuid);
  expect(guids).not.toContain(unlocked.userGuid);
  expect(listed.every((row) => row['lockedAtLastScan'] === true)).toBe(true);
  expect(listed.find((row) => row.userGuid === unending.userGuid)?.['lockout']).not.toHaveProperty('endsAt');
  // The rows elsewhere say the same.
  const [endedRow] = (await find(`q=ed.${tag}`)).users;
  expect(endedRow).toMatchObject({ lockedAtLastScan: false });
  expect(endedRow).not.toHaveProperty('lockout');
  expect((await portal.request('/admin/portal/api/users?filter=everyone')).status).toBe(400);
});

test('the device count follows binding and revocation, and a second revocation counts once', async () => {
  const { deviceStore } = blink.composition.adapters;
  const account = await enrolledAppUser('Dora Devices');
  const bind = () => bindDevice(account.userGuid);
  const count = async () => (await find(`q=dora.${tag}`)).users[0]?.['activeDevices'];
  const first = await bind();
  await bind();
  expect(await count()).toBe(2);
  await deviceStore.revoke(first, new Date());
  await deviceStore.revoke(first, new Date());
  expect(await count()).toBe(1);
});

test('a user enrolled before row facts were kept is counted from the devices and events once, then tracked', async () => {
  const { deviceStore } = blink.composition.adapters;
  const account = await enrolledAppUser('Olga Older');
  // As an enrollment from before this item existed: no row facts, so the device and the unlock below are not counted.
  await createDocumentClient(localTarget(blink.services.dynamodb)).send(
    new DeleteCommand(rowFactsOf(account.userGuid)),
  );
  const deviceId = await bindDevice(account.userGuid);
  await recordSuccess(account.userGuid, 'unlock', 'app');
  const row = async () => (await find(`q=olga.${tag}`)).users[0];
  expect(await row()).toMatchObject({ activeDevices: 1, lastResetOrUnlock: { action: 'unlock', channel: 'app' } });
  // Tracked from the first page on: the revocation moves the stored count.
  await deviceStore.revoke(deviceId, new Date());
  expect(await row()).toMatchObject({ activeDevices: 0 });
});

test('a device count that cannot be updated does not fail the binding; the next page counts the devices', async () => {
  const account = await enrolledAppUser('Bea Broken');
  // A count the table refuses to add to (a string): the ADD fails for real, as any failed write would.
  await createDocumentClient(localTarget(blink.services.dynamodb)).send(
    new UpdateCommand({
      ...rowFactsOf(account.userGuid),
      UpdateExpression: 'SET activeDevices = :broken',
      ExpressionAttributeValues: { ':broken': 'broken' },
    }),
  );
  await bindDevice(account.userGuid);
  expect((await find(`q=bea.${tag}`)).users[0]).toMatchObject({ activeDevices: 1 });
});

test('CSV export: every page of the search, header once, cells escaped and formulas made inert, audited', async () => {
  const { enrollmentStore } = blink.composition.adapters;
  const prefix = `csv${tag}`;
  const accounts = Array.from({ length: 105 }, (_, index) => ({
    // Two terms of each user match (account name and mail), three of one (the name too): people span page ends.
    ...testUser(
      index === 0 ? '=HYPERLINK("http://evil.example","Click")' : index === 1 ? `${prefix} Carl` : `Carl Csv ${index}`,
    ),
    samAccountName: `${prefix}.${String(index).padStart(3, '0')}`,
    mail: `${prefix}.${String(index).padStart(3, '0')}@corp.example.test`,
  }));
  for (let start = 0; start < accounts.length; start += 15)
    await Promise.all(
      accounts.slice(start, start + 15).map((account) => enrollmentStore.save(activeEnrollment(account), 0)),
    );

  const pages: string[] = [];
  let cursor: string | null = null;
  do {
    const response = await portal.request(
      `/admin/portal/api/users.csv?q=${prefix}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename=/);
    pages.push(await response.text());
    cursor = response.headers.get('x-blink-next-cursor');
  } while (cursor);
  expect(pages.length).toBeGreaterThan(1);
  const lines = pages.join('').split('\r\n').filter(Boolean);
  expect(lines[0]).toMatch(/^Name,Account,UPN,Email,Enrolled,Activation,Devices,/);
  expect(lines.filter((line) => line.startsWith('Name,'))).toHaveLength(1);
  expect(lines).toHaveLength(1 + accounts.length);
  expect(lines).toContain(
    `"'=HYPERLINK(""http://evil.example"",""Click"")",${prefix}.000,,${prefix}.000@corp.example.test,none,completed,0,,,,no,,,,no`,
  );

  // Audited once per export (its first page), with the technician, among the events without an account.
  const systemEvents = await newestItemsByPrefix(
    createDocumentClient(localTarget(blink.services.dynamodb)),
    blink.composition.env.TABLE_NAME,
    { pk: `AUDIT#SYSTEM#${new Date().toISOString().slice(0, 10)}`, skPrefix: 'AUDIT#', limit: 50 },
  );
  const exports = systemEvents.filter(
    (item) => item['action'] === 'portal.users-exported' && item['reason'] === 'search',
  );
  expect(exports).toHaveLength(1);
  expect(exports[0]?.['actor']).toMatch(/^portal:\S+ \(Tina Tech\)$/);
  expect((await portal.request(`/admin/portal/api/users.csv?filter=nobody`)).status).toBe(400);
  expect((await new PortalClient(blink).request(`/admin/portal/api/users.csv?q=${prefix}`)).status).toBe(401);
});

test('without a session the users API answers 401', async () => {
  expect((await new PortalClient(blink).request('/admin/portal/api/users?q=priya')).status).toBe(401);
});

test('a complete full scan takes off the locked-now list whoever AD no longer reports locked', async () => {
  const { enrollmentStore } = blink.composition.adapters;
  const account = { ...testUser('Adele Adunlocked'), samAccountName: `adele.${tag}` };
  await enrollmentStore.save(activeEnrollment(account), 0);
  // Recorded by an earlier scan, without an end; since then an admin unlocked the account in AD, not through Blink.
  await alertLog.record(lockout(account.userGuid, 60_000, undefined), new Date(Date.now() + 86_400_000));
  expect((await find('filter=locked-now')).users.map((row) => row.userGuid)).toContain(account.userGuid);

  // The demo directory has no USNs: every scan is a complete full one, and this account is not locked there.
  const scan = await blink.composition.lockoutWatch.scan(`portal-users-${tag}`);
  expect(scan).toMatchObject({ complete: true, incremental: false });
  expect((await find('filter=locked-now')).users.map((row) => row.userGuid)).not.toContain(account.userGuid);
  expect((await find(`q=adele.${tag}`)).users[0]).toMatchObject({ lockedAtLastScan: false });
});
