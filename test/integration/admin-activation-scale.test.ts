import { randomBytes } from 'node:crypto';
import { Attribute } from 'ldapts';
import { startLocalBlink, type LocalBlink, type SentEmailView } from '../../local/runtime.js';
import { encodeResolveCursor } from '../../shared/domain/worker-admin-contract.js';
import { captureLogs } from '../support/capture-logs.js';
import { adminRequest } from '../support/local-blink.js';
import { runAdminCli } from './support/admin-cli.js';
import { asAdmin, createTestUser, getSambaConnection, localDirectorySettings, testPassword } from './support/samba.js';

/*
 * Admin activation of a big target: resolve in pages (cursor, pageSize, total) through the admin API and the CLI, and
 * a chunk in which one user's email fails. The "big" OU is a throwaway one with 30 users (and one disabled user), made
 * for this file and deleted afterwards.
 */

const PUBLIC_BASE_URL = 'https://blink.corp.example.test';
const ADMIN_TOKEN = `admin-${randomBytes(24).toString('base64url')}`;
const HMAC_KEY = randomBytes(32).toString('base64');
const OU_USERS = 30;
const PAGE_SIZE = 7;

interface ResolvePage {
  candidates: Array<{ userGuid: string; samAccountName: string; mail: string }>;
  skipped: Array<{ name: string; reason: string }>;
  total: number;
  nextCursor?: string;
}

interface ActivateAnswer {
  activated: Array<{ userGuid: string; samAccountName: string }>;
  skipped: Array<{ name: string; reason: string }>;
}

/** The local runtime with the admin API, against the test DC (or `ldapUrl`, for a DC that does not answer). */
function startBlink(ldapUrl?: string): Promise<LocalBlink> {
  return startLocalBlink({
    env: { TOKEN_HMAC_KEY: HMAC_KEY, BLINK_VERSION: 'test' },
    port: 0,
    publicBaseUrl: PUBLIC_BASE_URL,
    adminToken: ADMIN_TOKEN,
    lockoutScanIntervalSeconds: 3600,
    directory: localDirectorySettings(ldapUrl),
  });
}

describe('admin activation of a big OU, page by page, against the Samba DC', () => {
  let blink: LocalBlink;
  const suffix = randomBytes(3).toString('hex');
  const { fixtures } = getSambaConnection();
  const ouDn = `OU=Scale ${suffix},${fixtures.ous.tests}`;
  const ouUsers: string[] = [];
  const disabledName = `scaleoff-${suffix}`;

  beforeAll(async () => {
    // Users in parallel over one connection, as a bulk load would do it.
    await asAdmin(async (client) => {
      await client.add(ouDn, [
        new Attribute({ type: 'objectClass', values: ['top', 'organizationalUnit'] }),
        new Attribute({ type: 'ou', values: [`Scale ${suffix}`] }),
      ]);
      const names = Array.from({ length: OU_USERS }, (_, index) => `scale${String(index).padStart(2, '0')}-${suffix}`);
      const add = (name: string, userAccountControl: string) =>
        client.add(`CN=${name},${ouDn}`, [
          new Attribute({ type: 'objectClass', values: ['top', 'person', 'organizationalPerson', 'user'] }),
          new Attribute({ type: 'sAMAccountName', values: [name] }),
          new Attribute({ type: 'userPrincipalName', values: [`${name}@${fixtures.realm.toLowerCase()}`] }),
          new Attribute({ type: 'displayName', values: [`Scale ${name}`] }),
          new Attribute({ type: 'mail', values: [`${name}@corp.example.test`] }),
          new Attribute({ type: 'userAccountControl', values: [userAccountControl] }),
          new Attribute({ type: 'unicodePwd', values: [Buffer.from(`"${testPassword()}"`, 'utf16le')] }),
        ]);
      await Promise.all([...names.map((name) => add(name, '512')), add(disabledName, '514')]);
      ouUsers.push(...names);
    });
    blink = await startBlink();
  });

  afterAll(async () => {
    await blink?.stop();
    await asAdmin(async (client) => {
      for (const name of [...ouUsers, disabledName]) await client.del(`CN=${name},${ouDn}`).catch(() => undefined);
      await client.del(ouDn);
    });
  });

  const admin = async (method: 'GET' | 'POST', route: string, body?: unknown) => {
    const response = await adminRequest(blink, ADMIN_TOKEN, method, route, body);
    return { status: response.status, body: (await response.json()) as unknown };
  };

  const resolvePage = async (body: Record<string, unknown>): Promise<ResolvePage> => {
    const answer = await admin('POST', '/admin/activations/resolve', body);
    expect(answer.status).toBe(200);
    return answer.body as ResolvePage;
  };

  const activate = async (userGuids: string[]): Promise<ActivateAnswer> => {
    const answer = await admin('POST', '/admin/activations', { userGuids });
    expect(answer.status).toBe(200);
    return answer.body as ActivateAnswer;
  };

  const emailsTo = async (address: string): Promise<SentEmailView[]> =>
    (await blink.listEmails()).filter((email) => email.to.toLowerCase() === address.toLowerCase());

  const cli = (args: string[]): Promise<string> => runAdminCli(blink, args, ADMIN_TOKEN, 60_000);

  it('the admin API resolves the OU in pages of 7: every user judged once, in objectGUID order, with the total', async () => {
    const pages: ResolvePage[] = [];
    let cursor: string | undefined;
    do {
      const page = await resolvePage({ target: { ou: ouDn }, pageSize: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
      pages.push(page);
      cursor = page.nextCursor;
    } while (cursor !== undefined && pages.length < 10);

    expect(pages.map((page) => page.candidates.length + page.skipped.length)).toEqual([7, 7, 7, 7, 3]);
    expect(pages.every((page) => page.total === OU_USERS + 1)).toBe(true);
    expect(pages.slice(0, -1).every((page) => typeof page.nextCursor === 'string')).toBe(true);
    const candidates = pages.flatMap((page) => page.candidates);
    expect(candidates.map((candidate) => candidate.samAccountName).sort()).toEqual([...ouUsers].sort());
    const guids = candidates.map((candidate) => candidate.userGuid);
    expect(new Set(guids).size).toBe(OU_USERS);
    // Stable order across pages: each page's candidates come after the previous page's.
    expect(guids).toEqual([...guids].sort());
    expect(pages.flatMap((page) => page.skipped)).toEqual([{ name: disabledName, reason: 'disabled' }]);

    // The default page holds them all; a single user is a page of one.
    const whole = await resolvePage({ target: { ou: ouDn } });
    expect(whole.candidates).toHaveLength(OU_USERS);
    expect(whole.total).toBe(OU_USERS + 1);
    expect(whole.nextCursor).toBeUndefined();
    expect(await resolvePage({ target: { user: ouUsers[0] ?? '' } })).toMatchObject({
      total: 1,
      candidates: [{ samAccountName: ouUsers[0] }],
    });
    // Resolving sends and writes nothing.
    expect(await emailsTo(`${ouUsers[0] ?? ''}@corp.example.test`)).toEqual([]);
  });

  it('a cursor continues after the user it names; a malformed cursor or page size is refused with a 400', async () => {
    // Pages of one in objectGUID order: the OU's disabled user is skipped (no candidate) wherever its GUID falls, so take
    // the first page that holds a candidate.
    let first = await resolvePage({ target: { ou: ouDn }, pageSize: 1 });
    if (first.candidates.length === 0)
      first = await resolvePage({ target: { ou: ouDn }, pageSize: 1, cursor: first.nextCursor });
    const [firstGuid] = first.candidates.map((candidate) => candidate.userGuid);
    expect(firstGuid).toBeDefined();
    const ownCursor = await resolvePage({
      target: { ou: ouDn },
      pageSize: 3,
      cursor: encodeResolveCursor(firstGuid ?? ''),
    });
    const fromAnswer = await resolvePage({ target: { ou: ouDn }, pageSize: 3, cursor: first.nextCursor });
    expect(ownCursor).toEqual(fromAnswer);
    expect(fromAnswer.candidates.map((candidate) => candidate.userGuid)).not.toContain(firstGuid);
    // Past the last user: an empty page, no further cursor.
    const end = await resolvePage({
      target: { ou: ouDn },
      cursor: encodeResolveCursor('ffffffff-ffff-ffff-ffff-ffffffffffff'),
    });
    expect(end).toEqual({ candidates: [], skipped: [], total: OU_USERS + 1 });

    const refused = [
      { cursor: 'not a cursor' },
      { cursor: Buffer.from(JSON.stringify({ after: 'x' })).toString('base64url') },
      { cursor: Buffer.from(JSON.stringify({ after: firstGuid, extra: 1 })).toString('base64url') },
      { cursor: '' },
      { pageSize: 0 },
      { pageSize: 501 },
      { pageSize: 2.5 },
      { pageSize: '7' },
    ];
    for (const extra of refused) {
      const answer = await admin('POST', '/admin/activations/resolve', { target: { ou: ouDn }, ...extra });
      expect({ extra, status: answer.status }).toEqual({ extra, status: 400 });
      expect(answer.body).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    }
  });

  it('the CLI pages a dry run, then activates all 30 exactly once with progress and a summary', async () => {
    const dry = await cli(['activate', '--ou', ouDn, '--page-size', String(PAGE_SIZE), '--dry-run']);
    for (const done of [7, 14, 21, 28, 31]) expect(dry).toContain(`Resolved ${done}/31`);
    expect(dry).toContain(`Would activate ${OU_USERS}: `);
    expect(dry).toContain(`Would skip 1:\n  disabled (1): ${disabledName}`);
    expect(await emailsTo(`${ouUsers[0] ?? ''}@corp.example.test`)).toEqual([]);

    const output = await cli(['activate', '--ou', ouDn, '--page-size', String(PAGE_SIZE)]);
    // One line per page; the disabled user sits on whichever page its objectGUID puts it.
    const pageLines = output.split('\n').filter((line) => /^Resolved \d/.test(line));
    expect(pageLines.map((line) => /^Resolved (\d+\/\d+)/.exec(line)?.[1])).toEqual([
      '7/31',
      '14/31',
      '21/31',
      '28/31',
      '31/31',
    ]);
    expect(pageLines[4]).toBe('Resolved 31/31 (30 eligible so far)');
    expect(output).toContain('Resolved: 30 eligible, 1 skipped.');
    expect(output).toContain('Progress: 25/30 processed (25 activated)');
    expect(output).toContain('Progress: 30/30 processed (30 activated)');
    expect(output).toContain(`Skipped 1:\n  disabled (1): ${disabledName}`);
    const activatedLine = output.split('\n').find((line) => line.startsWith('Activated '));
    expect(activatedLine?.startsWith('Activated 30: ')).toBe(true);
    expect(activatedLine?.slice('Activated 30: '.length).split(', ').sort()).toEqual([...ouUsers].sort());

    const emails = await blink.listEmails();
    for (const name of ouUsers) {
      expect({ name, emails: emails.filter((email) => email.to === `${name}@corp.example.test`).length }).toEqual({
        name,
        emails: 1,
      });
    }
    expect(emails.filter((email) => email.to === `${disabledName}@corp.example.test`)).toEqual([]);
  });

  it('one failed email skips that user as email-failed and the rest of the chunk goes on; activating again sends a link that works', async () => {
    const users = await Promise.all(['mailok1', 'mailbad', 'mailok2'].map((prefix) => createTestUser(prefix)));
    const guids: string[] = [];
    for (const user of users) {
      const [candidate] = (await resolvePage({ target: { user: user.samAccountName } })).candidates;
      guids.push(candidate?.userGuid ?? '');
    }
    const [first, failing, last] = users;
    if (!first || !failing || !last) throw new Error('test users missing');
    const failingMail = `${failing.samAccountName}@corp.example.test`;
    blink.sesStandIn.failNext({ type: 'MessageRejected', status: 400, to: failingMail });
    const logs = captureLogs();
    let result: ActivateAnswer;
    try {
      result = await activate(guids);
    } finally {
      logs.restore();
    }

    expect(result.activated.map((entry) => entry.samAccountName)).toEqual([first.samAccountName, last.samAccountName]);
    expect(result.skipped).toEqual([{ name: failing.samAccountName, reason: 'email-failed' }]);
    expect(await emailsTo(failingMail)).toEqual([]);
    for (const user of [first, last])
      expect(await emailsTo(`${user.samAccountName}@corp.example.test`)).toHaveLength(1);
    // The activation was issued (its link reached nobody), and the failure is on record without the address.
    const failingGuid = guids[1] ?? '';
    expect((await blink.composition.adapters.enrollmentStore.get(failingGuid))?.status).toBe('activated');
    const audit = await blink.composition.adapters.auditLog.listForUser(failingGuid, 10);
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'enrollment.activation-email-failed',
          result: 'failed',
          reason: 'email-failed',
        }),
      ]),
    );
    expect(logs.text()).toContain('activation email failed');
    expect(logs.text()).not.toContain(failingMail);

    // A later run re-activates the user: a new link, sent this time, which opens the setup page.
    const again = await activate([failingGuid]);
    expect(again).toEqual({
      activated: [expect.objectContaining({ samAccountName: failing.samAccountName })],
      skipped: [],
    });
    const [email, ...more] = await emailsTo(failingMail);
    expect(more).toEqual([]);
    const token = /#t=([A-Za-z0-9_-]+)/.exec(email?.text ?? '')?.[1] ?? '';
    const open = await fetch(`${blink.url}/api/setup/open`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    expect(open.status).toBe(200);
  });

  it('an SES fault that outlasts the SDK retries is an email-failed too, and the CLI summary names the user', async () => {
    const user = await createTestUser('mailflaky');
    const mail = `${user.samAccountName}@corp.example.test`;
    // The SDK tries a 500 three times (its standard retry strategy): every try fails.
    blink.sesStandIn.failNext({ type: 'InternalFailure', status: 500, to: mail }, 3);
    const output = await cli(['activate', '--user', user.samAccountName]);
    expect(output).toContain('Activated 0');
    expect(output).toContain(`Skipped 1:\n  email-failed (1): ${user.samAccountName}`);
    expect(output).toContain(`The activation email could not be sent to 1 user(s): ${user.samAccountName}.`);
    expect(await emailsTo(mail)).toEqual([]);
    // No injected failure is left over: the next run sends.
    expect(await cli(['activate', '--user', user.samAccountName])).toContain(`Activated 1: ${user.samAccountName}`);
    expect(await emailsTo(mail)).toHaveLength(1);
  });
});

describe('admin activation with no domain controller answering', () => {
  let blink: LocalBlink;

  beforeAll(async () => {
    blink = await startBlink('ldaps://127.0.0.1:1');
  });

  afterAll(async () => {
    await blink?.stop();
  });

  it('fails resolve and activate with 503 DIRECTORY_UNAVAILABLE instead of reporting users as skipped', async () => {
    for (const [route, body] of [
      ['/admin/activations/resolve', { target: { ou: 'OU=Staff,DC=corp,DC=example,DC=test' }, pageSize: 5 }],
      ['/admin/activations', { userGuids: ['0b8e1c9a-4f7d-4c5e-9a3b-2d1f0e9c8b7a'] }],
    ] as const) {
      const response = await fetch(`${blink.url}${route}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ error: { code: 'DIRECTORY_UNAVAILABLE' } });
    }
  });
});
