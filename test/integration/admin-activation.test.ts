import { randomBytes, randomUUID } from 'node:crypto';
import { Attribute, Change } from 'ldapts';
import { startLocalBlink, type LocalBlink, type SentEmailView } from '../../local/runtime.js';
import { hashSecret } from '../../shared/domain/one-time-secrets.js';
import { captureLogs, type LogCapture } from '../support/capture-logs.js';
import { adminRequest } from '../support/local-blink.js';
import { runAdminCli } from './support/admin-cli.js';
import { asAdmin, createTestUser, getSambaConnection, localDirectorySettings } from './support/samba.js';

const PUBLIC_BASE_URL = 'https://blink.corp.example.test';
const ADMIN_TOKEN = `admin-${randomBytes(24).toString('base64url')}`;
const HMAC_KEY = randomBytes(32).toString('base64');

interface AdminAnswer {
  status: number;
  body: unknown;
}

describe('admin activation against the Samba DC', () => {
  let blink: LocalBlink;
  let logs: LogCapture | undefined;

  beforeAll(async () => {
    blink = await startLocalBlink({
      env: {
        TOKEN_HMAC_KEY: HMAC_KEY,
        BLINK_VERSION: 'test',
        PRODUCT_NAME: 'Corp Reset',
        SUPPORT_CONTACT: 'the Corp help desk (x4357)',
      },
      port: 0,
      publicBaseUrl: PUBLIC_BASE_URL,
      adminToken: ADMIN_TOKEN,
      lockoutScanIntervalSeconds: 3600,
      directory: localDirectorySettings(),
    });
  });

  afterEach(() => {
    logs?.restore();
    logs = undefined;
  });

  afterAll(async () => {
    await blink?.stop();
  });

  const admin = async (
    method: 'GET' | 'POST',
    route: string,
    body?: unknown,
    token = ADMIN_TOKEN,
  ): Promise<AdminAnswer> => {
    const response = await adminRequest(blink, token, method, route, body);
    return { status: response.status, body: await response.json() };
  };

  const emailsTo = async (address: string): Promise<SentEmailView[]> =>
    (await blink.listEmails()).filter((email) => email.to.toLowerCase() === address.toLowerCase());

  const tokenOf = (email: SentEmailView): string => {
    const match = /https:\/\/blink\.corp\.example\.test\/setup#t=([A-Za-z0-9_-]+)/.exec(email.text);
    if (!match?.[1]) throw new Error(`no setup link in ${email.text}`);
    return match[1];
  };

  const resolve = async (target: Record<string, string>) => {
    const answer = await admin('POST', '/admin/activations/resolve', { target });
    expect(answer.status).toBe(200);
    return answer.body as {
      candidates: Array<{ userGuid: string; samAccountName: string; mail: string }>;
      skipped: Array<{ name: string; reason: string }>;
    };
  };

  const activate = async (userGuids: string[]) => {
    const answer = await admin('POST', '/admin/activations', { userGuids });
    expect(answer.status).toBe(200);
    return answer.body as {
      activated: Array<{ samAccountName: string }>;
      skipped: Array<{ name: string; reason: string }>;
    };
  };

  it('activates one user by sAMAccountName: an email with a link on PUBLIC_BASE_URL and an activated enrollment', async () => {
    const user = await createTestUser('act');
    logs = captureLogs();
    const resolved = await resolve({ user: user.samAccountName });
    expect(resolved.skipped).toEqual([]);
    expect(resolved.candidates).toHaveLength(1);
    const [candidate] = resolved.candidates;
    const result = await activate([candidate?.userGuid ?? '']);
    logs.restore();

    expect(result.activated.map((entry) => entry.samAccountName)).toEqual([user.samAccountName]);
    const [email, ...more] = await emailsTo(`${user.samAccountName}@corp.example.test`);
    expect(more).toEqual([]);
    // Product name and support contact come from the configuration.
    expect(email?.subject).toBe('Activate Corp Reset password reset');
    expect(email?.text).toContain('contact the Corp help desk (x4357)');
    expect(email?.html).toContain(`href="${PUBLIC_BASE_URL}/setup#t=`);
    const token = tokenOf(email as SentEmailView);
    expect(token.length).toBeGreaterThanOrEqual(43);

    const enrollment = await blink.composition.adapters.enrollmentStore.get(candidate?.userGuid ?? '');
    expect(enrollment).toMatchObject({
      status: 'activated',
      samAccountName: user.samAccountName,
      mail: `${user.samAccountName}@corp.example.test`,
    });
    // The token is only ever in the email: not in any log line, not the admin token either.
    expect(logs.text()).not.toContain(token);
    expect(logs.text()).not.toContain(ADMIN_TOKEN);
    expect(logs.text()).toContain('activation email sent');
  });

  it('activates by UPN too', async () => {
    const user = await createTestUser('upn');
    const resolved = await resolve({ user: user.userPrincipalName });
    expect(resolved.candidates.map((candidate) => candidate.samAccountName)).toEqual([user.samAccountName]);
  });

  it('activates a group by name with its nested member, and skips the protected member (adminCount=1)', async () => {
    const { fixtures } = getSambaConnection();
    const resolved = await resolve({ group: fixtures.groups.blinkUsers.name });
    expect(resolved.candidates.map((candidate) => candidate.samAccountName).sort()).toEqual([
      'alice.martin',
      'bob.nguyen',
      'carol.diaz',
    ]);
    expect(resolved.skipped).toEqual([{ name: 'gina.legacy', reason: 'protected' }]);

    const result = await activate(resolved.candidates.map((candidate) => candidate.userGuid));
    expect(result.activated.map((entry) => entry.samAccountName).sort()).toEqual([
      'alice.martin',
      'bob.nguyen',
      'carol.diaz',
    ]);
    for (const name of ['alice.martin', 'bob.nguyen', 'carol.diaz']) {
      const emails = await emailsTo(`${name}@corp.example.test`);
      expect(emails.length).toBeGreaterThanOrEqual(1);
    }
    expect(await emailsTo('gina.legacy@corp.example.test')).toEqual([]);
    const carol = await blink.composition.adapters.enrollmentStore.get(fixtures.users.carol.objectGuid);
    expect(carol?.status).toBe('activated');
  });

  it('resolves a group by DN the same way', async () => {
    const { fixtures } = getSambaConnection();
    const resolved = await resolve({ group: fixtures.groups.blinkUsersNested.dn });
    expect(resolved.candidates.map((candidate) => candidate.samAccountName)).toEqual(['carol.diaz']);
  });

  it('skips protected, disabled, no-mail and unknown users with their reasons, and sends them nothing', async () => {
    const { fixtures } = getSambaConnection();
    const noMail = await createTestUser('nomail');
    await asAdmin((client) =>
      client.modify(noMail.dn, [
        new Change({ operation: 'delete', modification: new Attribute({ type: 'mail', values: [] }) }),
      ]),
    );

    const cases: Array<[string, string]> = [
      [fixtures.users.domainAdminNested.samAccountName, 'protected'],
      [fixtures.users.adminCountOnly.samAccountName, 'protected'],
      [fixtures.users.disabled.samAccountName, 'disabled'],
      [noMail.samAccountName, 'no-mail'],
      [`nobody-${randomBytes(3).toString('hex')}`, 'not-found'],
    ];
    for (const [name, reason] of cases) {
      const resolved = await resolve({ user: name });
      // A user found and judged counts in the total; a name that matches nobody does not.
      expect(resolved).toEqual({ candidates: [], skipped: [{ name, reason }], total: reason === 'not-found' ? 0 : 1 });
    }

    // Activation re-checks each user by GUID: a stale or forged list gets nowhere.
    const result = await activate([
      fixtures.users.domainAdminNested.objectGuid,
      fixtures.users.disabled.objectGuid,
      '00000000-0000-4000-8000-000000000000',
    ]);
    expect(result.activated).toEqual([]);
    expect(result.skipped).toEqual([
      { name: fixtures.users.domainAdminNested.samAccountName, reason: 'protected' },
      { name: fixtures.users.disabled.samAccountName, reason: 'disabled' },
      { name: '00000000-0000-4000-8000-000000000000', reason: 'not-found' },
    ]);
    for (const user of [fixtures.users.domainAdminNested, fixtures.users.disabled]) {
      expect(await emailsTo(user.mail ?? '')).toEqual([]);
      expect(await blink.composition.adapters.enrollmentStore.get(user.objectGuid)).toBeUndefined();
    }
    const audit = await blink.composition.adapters.auditLog.listForUser(
      fixtures.users.domainAdminNested.objectGuid,
      10,
    );
    expect(audit).toEqual([
      expect.objectContaining({ action: 'enrollment.activation-refused', result: 'refused', reason: 'protected' }),
    ]);
  });

  it('skips expired accounts, computer accounts and users who completed setup', async () => {
    const { fixtures } = getSambaConnection();
    // accountExpires in 2012 (FILETIME).
    const expired = await createTestUser('expired', { accountExpires: '129000000000000000' });
    const computerName = `WS-${randomBytes(3).toString('hex')}$`;
    await asAdmin((client) =>
      client.add(`CN=${computerName.slice(0, -1)},${fixtures.ous.tests}`, [
        new Attribute({ type: 'objectClass', values: ['top', 'person', 'organizationalPerson', 'user', 'computer'] }),
        new Attribute({ type: 'sAMAccountName', values: [computerName] }),
        new Attribute({ type: 'userAccountControl', values: ['4096'] }),
        new Attribute({ type: 'mail', values: ['ws@corp.example.test'] }),
      ]),
    );
    const enrolled = await createTestUser('enrolled');
    const [candidate] = (await resolve({ user: enrolled.samAccountName })).candidates;
    await activate([candidate?.userGuid ?? '']);
    const store = blink.composition.adapters.enrollmentStore;
    const record = await store.get(candidate?.userGuid ?? '');
    if (!record) throw new Error('no enrollment after activation');
    await store.save(
      { ...record, status: 'active', methods: { sms: true, app: false }, phoneE164: '+12065550123' },
      record.version,
    );

    expect(await resolve({ user: expired.samAccountName })).toEqual({
      candidates: [],
      skipped: [{ name: expired.samAccountName, reason: 'expired' }],
      total: 1,
    });
    expect(await resolve({ user: computerName })).toEqual({
      candidates: [],
      skipped: [{ name: computerName, reason: 'computer' }],
      total: 1,
    });
    expect(await resolve({ user: enrolled.samAccountName })).toEqual({
      candidates: [],
      skipped: [{ name: enrolled.samAccountName, reason: 'already-enrolled' }],
      total: 1,
    });
    // Activation by GUID refuses it too, and the completed enrollment stays as it was.
    expect(await activate([candidate?.userGuid ?? ''])).toEqual({
      activated: [],
      skipped: [{ name: enrolled.samAccountName, reason: 'already-enrolled' }],
    });
    expect((await store.get(candidate?.userGuid ?? ''))?.status).toBe('active');
    expect(await emailsTo(`${enrolled.samAccountName}@corp.example.test`)).toHaveLength(1);
  });

  it('refuses malformed requests with a 400', async () => {
    expect((await admin('POST', '/admin/activations/resolve', { target: { user: 'a', group: 'b' } })).status).toBe(400);
    expect((await admin('POST', '/admin/activations', { userGuids: ['not-a-guid'] })).status).toBe(400);
    const tooMany = Array.from({ length: 26 }, () => '00000000-0000-4000-8000-000000000000');
    expect((await admin('POST', '/admin/activations', { userGuids: tooMany })).status).toBe(400);
  });

  it('supersedes the first link when a user is activated again', async () => {
    const user = await createTestUser('again');
    const [candidate] = (await resolve({ user: user.samAccountName })).candidates;
    const userGuid = candidate?.userGuid ?? '';
    await activate([userGuid]);
    await activate([userGuid]);
    const emails = await emailsTo(`${user.samAccountName}@corp.example.test`);
    expect(emails).toHaveLength(2);
    // The email says what the link really does: it resumes setup until finished, for ACTIVATION_TTL_HOURS.
    expect(emails[0]?.text).toContain(
      `The link works until you finish setup, for up to ${blink.composition.env.ACTIVATION_TTL_HOURS} hours`,
    );
    const [first, second] = emails.map(tokenOf);
    expect(first).not.toBe(second);

    // The setup page's first call: the old link gets the neutral answer, the new one opens.
    const open = async (token: string) => {
      const response = await fetch(`${blink.url}/api/setup/open`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
      return { status: response.status, body: (await response.json()) as { error?: { code: string } } };
    };
    const old = await open(first ?? '');
    expect(old.status).toBe(404);
    expect(old.body.error?.code).toBe('LINK_INVALID');
    expect((await open(second ?? '')).status).toBe(200);

    const store = blink.composition.adapters.enrollmentStore;
    expect(await store.findSecret('activation', hashSecret(HMAC_KEY, 'activation', second ?? ''))).toMatchObject({
      userGuid,
    });
  });

  it('a dry run of the CLI sends nothing and writes nothing', async () => {
    const user = await createTestUser('dry');
    const output = await cli(['activate', '--user', user.samAccountName, '--dry-run']);
    expect(output).toContain('Dry run');
    expect(output).toContain(`Would activate 1: ${user.samAccountName}`);
    expect(await emailsTo(`${user.samAccountName}@corp.example.test`)).toEqual([]);
    const listed = (await admin('GET', '/admin/enrollments')).body as {
      enrollments: Array<{ samAccountName: string }>;
    };
    expect(listed.enrollments.map((enrollment) => enrollment.samAccountName)).not.toContain(user.samAccountName);
  });

  it('the CLI activates a group end to end and prints progress and a summary; list and revoke work', async () => {
    const { fixtures } = getSambaConnection();
    const output = await cli(['activate', '--group', fixtures.groups.blinkUsers.dn]);
    expect(output).toContain('Progress: 3/3 processed (3 activated)');
    expect(output).toMatch(/Activated 3: (alice\.martin|bob\.nguyen|carol\.diaz)/);
    expect(output).toContain('Skipped 1:\n  protected (1): gina.legacy');

    const listing = await cli(['list']);
    expect(listing).toMatch(/bob\.nguyen\s+activated/);
    const revoked = await cli(['revoke', '--user', 'bob.nguyen']);
    expect(revoked).toContain('Revoked the enrollment of bob.nguyen');
    expect((await blink.composition.adapters.enrollmentStore.get(fixtures.users.bob.objectGuid))?.status).toBe(
      'revoked',
    );
    // The last link bob received no longer works.
    const bobEmails = await emailsTo(fixtures.users.bob.mail ?? '');
    const lastToken = tokenOf(bobEmails[bobEmails.length - 1] as SentEmailView);
    const store = blink.composition.adapters.enrollmentStore;
    expect(
      await store.consumeSecret('activation', hashSecret(HMAC_KEY, 'activation', lastToken), new Date()),
    ).toBeUndefined();
  });

  it('revokes a device alone, and every device with the enrollment', async () => {
    const { fixtures } = getSambaConnection();
    const [candidate] = (await resolve({ user: fixtures.users.dave.samAccountName })).candidates;
    const userGuid = candidate?.userGuid ?? '';
    await activate([userGuid]);
    const devices = blink.composition.adapters.deviceStore;
    const publicKey = { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'B'.repeat(43) } as const;
    const [first, second] = [randomUUID(), randomUUID()];
    for (const deviceId of [first, second]) {
      await devices.add({ deviceId, userGuid, publicKey, unlockMethod: 'pin', platform: 'ios', boundAt: new Date() });
    }

    expect(await cli(['list'])).toContain(`device ${first} ios`);
    expect(await cli(['revoke-device', '--device', first])).toContain(`Revoked device ${first}`);
    expect((await devices.get(first))?.revokedAt).toBeInstanceOf(Date);
    expect((await devices.get(second))?.revokedAt).toBeUndefined();
    expect((await admin('POST', `/admin/devices/${randomUUID()}/revoke`)).status).toBe(404);

    const revoked = await admin('POST', `/admin/enrollments/${userGuid}/revoke`);
    expect(revoked).toEqual({ status: 200, body: { userGuid, status: 'revoked', revokedDevices: [second] } });
    expect((await devices.get(second))?.revokedAt).toBeInstanceOf(Date);
    const audit = await blink.composition.adapters.auditLog.listForUser(userGuid, 20);
    expect(audit.map((event) => event.action)).toEqual(
      expect.arrayContaining(['device.revoked', 'enrollment.revoked', 'enrollment.activated']),
    );
    // Every admin action names who did it (the IAM principal when deployed; the local bearer token's stand-in here).
    for (const event of audit.filter((entry) => entry.channel === 'admin')) expect(event.actor).toBe('local-admin');
    expect(await cli(['audit', '--user', userGuid])).toMatch(/enrollment\.revoked\s+admin\s+success\s+by=local-admin/);
  });

  it('the CLI fails clearly with a wrong token, and admin routes refuse a missing or wrong bearer token (401)', async () => {
    await expect(cli(['list'], 'wrong-token-of-some-length')).rejects.toThrow(/401/);
    const missing = await fetch(`${blink.url}/admin/enrollments`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect((await admin('GET', '/admin/enrollments', undefined, 'x'.repeat(ADMIN_TOKEN.length))).status).toBe(401);
    expect((await admin('POST', '/admin/activations/resolve', { target: { user: 'alice.martin' } }, '')).status).toBe(
      401,
    );
    expect((await admin('GET', '/admin/enrollments')).status).toBe(200);
  });

  const cli = (args: string[], token = ADMIN_TOKEN): Promise<string> => runAdminCli(blink, args, token, 30_000);
});
