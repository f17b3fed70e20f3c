import { randomBytes, randomUUID } from 'node:crypto';
import { generateDeviceKeys } from '../../device-client/client';
import { LdapDirectory } from '../../shared/adapters/ldap/ldap-directory.js';
import { DynamoLockoutAlertLog } from '../../shared/adapters/dynamodb/lockout-alert-log.js';
import { DynamoScanWatermarkStore } from '../../shared/adapters/dynamodb/scan-watermark-store.js';
import { DirectoryUnavailableError } from '../../shared/domain/errors.js';
import type { Directory, DirectoryUser } from '../../shared/ports/directory.js';
import {
  createLockoutWatch,
  type LockoutWatch,
  type LockoutWatchDependencies,
} from '../../shared/use-cases/lockout/index.js';
import { runAdmin } from '../../scripts/admin.js';
import { createDocumentClient } from '../../shared/composition/aws-clients.js';
import { captureLogs } from '../support/capture-logs.js';
import { localTarget } from '../support/local-aws.js';
import { pollUntil } from '../support/poll.js';
import {
  directoryOptions,
  getSambaConnection,
  lockOut,
  tryBind,
  type TestUser,
  useSambaSuite,
} from './support/samba.js';
import { activeEnrollment } from '../support/enrollments.js';
import { text } from './support/inbound-sms.js';
import { OffsetClock } from '../support/manual-clock.js';

// The lockout watch against the real Samba DC (lockout after 3 bad passwords, for 30 minutes). Every test locks users
// of its own; the DC is shared with other test files, so assertions are about these users only (other files' locked
// users are unenrolled here and must be ignored).

const ADMIN_TOKEN = `admin-${randomBytes(24).toString('base64url')}`;
const LOCKOUT_SECONDS = 30 * 60;

interface Enrolled extends TestUser {
  userGuid: string;
  phone?: string;
  pushTargets: string[];
}

describe('lockout watch against the Samba DC', () => {
  const clock = new OffsetClock();
  const { blink, directory, users } = useSambaSuite({
    // Alert times in India Standard Time (UTC+5:30, no daylight saving): the setting reaches the watch.
    env: { LOCKOUT_ALERT_TIME_ZONE: 'Asia/Kolkata' },
    adminToken: ADMIN_TOKEN,
    clock,
  });

  afterEach(() => {
    clock.offsetMs = 0;
  });

  const newUser = (prefix: string): Promise<TestUser> => users.create(prefix);

  /** Texts Blink from the user's phone through the local inbound route; the route must accept it. */
  const textBlink = async (phone: string | undefined, body: string) => {
    if (!phone) throw new Error('this user has no phone to text from');
    expect((await text(blink, phone, body)).status).toBe(202);
  };

  const lookUp = async (user: TestUser): Promise<DirectoryUser> => {
    const found = await directory.findUserBySamAccountName(user.samAccountName);
    if (!found) throw new Error(`${user.samAccountName} not found`);
    return found;
  };

  const uniquePhone = () => `+1415555${String(1000 + (randomBytes(2).readUInt16BE(0) % 9000))}`;

  /** An active enrollment as setup leaves it: verified phone (SMS) and/or bound devices with push tokens. */
  const enroll = async (
    user: TestUser,
    options: { phone?: string | null; devices?: number } = {},
  ): Promise<Enrolled> => {
    const { objectGuid: userGuid, dn } = await lookUp(user);
    const phone = options.phone === null ? undefined : (options.phone ?? uniquePhone());
    const devices = options.devices ?? 1;
    const now = clock.now();
    const { enrollmentStore, deviceStore } = blink.composition.adapters;
    await enrollmentStore.save(
      activeEnrollment(
        { userGuid, dn, samAccountName: user.samAccountName },
        { phoneE164: phone, app: devices > 0, at: now },
      ),
      0,
    );
    const pushTargets: string[] = [];
    for (let index = 0; index < devices; index += 1) {
      const pushToken = `arn:aws:sns:us-east-1:123456789012:endpoint/APNS/blink/${randomUUID()}`;
      await deviceStore.add({
        deviceId: randomUUID(),
        userGuid,
        publicKey: generateDeviceKeys().publicKey,
        unlockMethod: 'biometric',
        platform: 'ios',
        pushToken,
        boundAt: now,
      });
      pushTargets.push(pushToken);
    }
    return { ...user, userGuid, ...(phone ? { phone } : {}), pushTargets };
  };

  const smsTo = (phone: string | undefined) => blink.listSms().filter((sms) => sms.to === phone);
  const pushesTo = (targets: string[]) =>
    blink.composition.adapters.pushSender.list().filter((push) => targets.includes(push.target));
  const lockedAtOf = async (user: TestUser) => {
    const { locked } = await directory.scanLockedAccounts({ pageSize: 500, timeBudgetMs: 10_000 });
    const account = locked.find((entry) => entry.samAccountName === user.samAccountName);
    if (!account) throw new Error(`${user.samAccountName} is not locked`);
    return account;
  };
  /** `user` (enrolled with a phone) opts out of SMS and is then locked out; returns the phone and the lockout. */
  const lockedOutOptedOut = async <User extends TestUser & { phone?: string }>(user: User) => {
    const { phone } = user;
    if (!phone) throw new Error('phone missing');
    await blink.composition.adapters.optOutList.optOut(phone, clock.now());
    await lockOut(user);
    return { user, phone, account: await lockedAtOf(user) };
  };
  const inKolkata = (date: Date) => new Date(date.getTime() + 330 * 60_000).toISOString().slice(11, 16);
  const expectedSms = (lockedAt: Date) =>
    `Blink: your Windows account was locked at ${inKolkata(lockedAt)} GMT+5:30. Reply UNLOCK to unlock it or RESET for a new password.`;

  const watchSettings = {
    scan: { pageSize: 500, timeBudgetMs: 20_000 },
    watermarkMaxAgeSeconds: 86_400,
    timeZone: 'Asia/Kolkata',
    alertsPerDay: 5,
    productName: 'Blink',
  };
  /** A watch over the composition's adapters with other settings or another directory (paging, failover). */
  const watchWith = (overrides: Partial<LockoutWatchDependencies> & { pageSize?: number }): LockoutWatch => {
    const { adapters } = blink.composition;
    const { pageSize, ...rest } = overrides;
    return createLockoutWatch({
      directory: adapters.directory,
      enrollmentStore: adapters.enrollmentStore,
      deviceStore: adapters.deviceStore,
      onceKeys: adapters.onceKeys,
      optOutList: adapters.optOutList,
      smsSender: adapters.smsSender,
      pushSender: adapters.pushSender,
      rateLimiter: adapters.rateLimiter,
      auditLog: adapters.auditLog,
      alertLog: alertLog(),
      scanWatermarks: scanWatermarks(),
      clock,
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
      metrics: { addMetric: () => undefined },
      settings: { ...watchSettings, scan: { ...watchSettings.scan, pageSize: pageSize ?? 500 } },
      ...rest,
    });
  };
  /** The composition's table, through the watermark adapter. */
  const scanWatermarks = () =>
    new DynamoScanWatermarkStore(createDocumentClient(localTarget(blink.services.dynamodb)), {
      tableName: blink.composition.env.TABLE_NAME,
    });
  /** The composition's table, read through the alert log adapter. */
  const alertLog = () =>
    new DynamoLockoutAlertLog(createDocumentClient(localTarget(blink.services.dynamodb)), {
      tableName: blink.composition.env.TABLE_NAME,
      now: () => clock.now(),
    });

  it('alerts a locked enrolled user exactly once (SMS to the verified phone, push to the bound device); a rescan sends nothing', async () => {
    const user = await enroll(await newUser('lw-one'));
    await lockOut(user);
    const account = await lockedAtOf(user);

    const logs = captureLogs();
    let first;
    let second;
    try {
      first = await blink.composition.lockoutWatch.scan(randomUUID());
      second = await blink.composition.lockoutWatch.scan(randomUUID());
    } finally {
      logs.restore();
    }

    expect(smsTo(user.phone).map((sms) => sms.body)).toEqual([expectedSms(account.lockedAt)]);
    const pushes = pushesTo(user.pushTargets);
    expect(pushes).toHaveLength(1);
    expect(pushes[0]).toMatchObject({
      title: 'Blink: account locked',
      body: `Your Windows account was locked at ${inKolkata(account.lockedAt)} GMT+5:30. Open Blink to unlock it or get a new password.`,
      data: { kind: 'lockout', lockedAt: account.lockedAt.toISOString() },
    });
    expect(first.alerted).toBeGreaterThanOrEqual(1);
    // The rescan is incremental (the first one completed): the user did not change since, so it is not even looked at.
    expect(second).toMatchObject({ incremental: true, alerted: 0 });

    // Recorded for the admin and in the audit trail; the phone number is not in the logs.
    await expect(alertLog().find(user.userGuid, account.lockoutTime)).resolves.toMatchObject({
      outcome: 'alerted',
      sms: 'sent',
      pushes: 1,
    });
    const audit = await blink.composition.adapters.auditLog.listForUser(user.userGuid, 10);
    expect(audit.filter((event) => event.action === 'lockout-alert')).toEqual([
      expect.objectContaining({
        channel: 'system',
        result: 'success',
        // The admins' detail: the wrong binds went to dc1, the runtime's one configured DC.
        reason: expect.stringMatching(/^sms sent, 1 push\(es\); wrong passwords: dc1\.corp\.example\.test=\d+@\S+Z$/),
      }),
    ]);
    expect(logs.text()).toContain('lockout handled');
    expect(logs.text()).not.toContain(user.phone);
  });

  it('alerts again for a new lockout after an unlock (a new lockoutTime is a new event)', async () => {
    const user = await enroll(await newUser('lw-again'));
    await lockOut(user);
    const firstLockout = await lockedAtOf(user);
    await blink.composition.lockoutWatch.scan(randomUUID());
    expect(smsTo(user.phone)).toHaveLength(1);

    await directory.unlock(await lookUp(user));
    await blink.composition.lockoutWatch.scan(randomUUID());
    expect(smsTo(user.phone)).toHaveLength(1);

    await lockOut(user);
    const secondLockout = await lockedAtOf(user);
    expect(secondLockout.lockoutTime).not.toBe(firstLockout.lockoutTime);
    await blink.composition.lockoutWatch.scan(randomUUID());
    await blink.composition.lockoutWatch.scan(randomUUID());
    expect(smsTo(user.phone).map((sms) => sms.body)).toEqual([
      expectedSms(firstLockout.lockedAt),
      expectedSms(secondLockout.lockedAt),
    ]);
    expect(pushesTo(user.pushTargets)).toHaveLength(2);
  });

  it('does not alert a lockout whose duration has run out by the clock (policy: 30 minutes)', async () => {
    const user = await enroll(await newUser('lw-exp'));
    await lockOut(user);
    const account = await lockedAtOf(user);

    // Full scans (max age 0): the second scan must look at the same lockout again after the clock went back.
    const fullScans = watchWith({ settings: { ...watchSettings, watermarkMaxAgeSeconds: 0 } });
    clock.offsetMs = (LOCKOUT_SECONDS + 5) * 1000;
    const summary = await fullScans.scan(randomUUID());
    expect(summary.expired).toBeGreaterThanOrEqual(1);
    expect(smsTo(user.phone)).toEqual([]);
    expect(pushesTo(user.pushTargets)).toEqual([]);
    await expect(alertLog().find(user.userGuid, account.lockoutTime)).resolves.toBeUndefined();

    // One second before the end it still counts as locked, and is alerted.
    clock.offsetMs = account.lockedAt.getTime() + (LOCKOUT_SECONDS - 1) * 1000 - Date.now();
    await fullScans.scan(randomUUID());
    expect(smsTo(user.phone)).toHaveLength(1);
  });

  it('ignores a locked user without an active enrollment', async () => {
    const unenrolled = await newUser('lw-none');
    const revokedUser = await newUser('lw-rev');
    const revoked = await enroll(revokedUser);
    const stored = await blink.composition.adapters.enrollmentStore.get(revoked.userGuid);
    if (!stored) throw new Error('enrollment missing');
    await blink.composition.adapters.enrollmentStore.save({ ...stored, status: 'revoked' }, stored.version);
    await lockOut(unenrolled);
    await lockOut(revokedUser);
    const smsBefore = blink.listSms().length;
    const pushesBefore = blink.composition.adapters.pushSender.list().length;

    const summary = await blink.composition.lockoutWatch.scan(randomUUID());

    expect(summary.unenrolled).toBeGreaterThanOrEqual(2);
    expect(smsTo(revoked.phone)).toEqual([]);
    // Nothing at all was sent by this scan: every other locked user was alerted by an earlier test already.
    expect(blink.listSms().length).toBe(smsBefore);
    expect(blink.composition.adapters.pushSender.list().length).toBe(pushesBefore);
    const unenrolledGuid = (await lookUp(unenrolled)).objectGuid;
    expect(await blink.composition.adapters.auditLog.listForUser(unenrolledGuid, 10)).toEqual([]);
  });

  it('pages explicitly: page size 2 over more locked users than one page finds and alerts every one', async () => {
    const users = await Promise.all([1, 2, 3, 4, 5].map(async (n) => enroll(await newUser(`lw-pg${n}`))));
    for (const user of users) await lockOut(user);

    const paged = await directory.scanLockedAccounts({ pageSize: 2, timeBudgetMs: 20_000 });
    const names = new Set(paged.locked.map((account) => account.samAccountName));
    for (const user of users) expect(names.has(user.samAccountName)).toBe(true);
    // Every page holds at most two entries (locked or not yet expired), so at least three pages for five users.
    expect(paged.pages).toBeGreaterThanOrEqual(3);
    expect(paged.complete).toBe(true);

    const summary = await watchWith({ pageSize: 2 }).scan(randomUUID());
    expect(summary.pages).toBeGreaterThanOrEqual(3);
    for (const user of users) expect(smsTo(user.phone)).toHaveLength(1);
  });

  it('sends no SMS to an opted-out number (the push still goes out) and records it', async () => {
    const { user, phone, account } = await lockedOutOptedOut(await enroll(await newUser('lw-opt')));

    await blink.composition.lockoutWatch.scan(randomUUID());

    expect(smsTo(phone)).toEqual([]);
    expect(pushesTo(user.pushTargets)).toHaveLength(1);
    await expect(alertLog().find(user.userGuid, account.lockoutTime)).resolves.toMatchObject({
      outcome: 'alerted',
      sms: 'opted-out',
      pushes: 1,
    });
  });

  it('an opted-out user with no app is recorded unreachable, and nothing is sent', async () => {
    const { user, phone, account } = await lockedOutOptedOut(await enroll(await newUser('lw-optn'), { devices: 0 }));

    await blink.composition.lockoutWatch.scan(randomUUID());

    expect(smsTo(phone)).toEqual([]);
    await expect(alertLog().find(user.userGuid, account.lockoutTime)).resolves.toMatchObject({
      outcome: 'unreachable',
      sms: 'opted-out',
      pushes: 0,
    });
  });

  it('scans through the next DC when the first does not answer, and fails (metric) when none does', async () => {
    const samba = getSambaConnection();
    const user = await enroll(await newUser('lw-fail'));
    await lockOut(user);

    // Port 1 on loopback refuses connections: the first "DC" is down.
    const failover = new LdapDirectory(directoryOptions({ urls: ['ldaps://127.0.0.1:1', ...samba.urls] }));
    const noDc = new LdapDirectory(directoryOptions({ urls: ['ldaps://127.0.0.1:1'] }));
    const metrics: string[] = [];
    try {
      await watchWith({ directory: failover as Directory }).scan(randomUUID());
      expect(smsTo(user.phone)).toHaveLength(1);

      const failing = watchWith({ directory: noDc as Directory, metrics: { addMetric: (name) => metrics.push(name) } });
      await expect(failing.scan(randomUUID())).rejects.toBeInstanceOf(DirectoryUnavailableError);
      expect(metrics).toContain('LockoutScanFailed');
    } finally {
      await failover.close();
      await noDc.close();
    }
  });

  it('a reply of UNLOCK to the alert gets a code, and the code unlocks the account (inbound SMS → unlock job → AD)', async () => {
    const user = await enroll(await newUser('lw-unl'));
    await lockOut(user);
    await blink.composition.lockoutWatch.scan(randomUUID());
    expect(smsTo(user.phone)).toHaveLength(1);
    await expect(tryBind(user.dn, user.password)).resolves.toBe('775');

    await textBlink(user.phone, 'UNLOCK');
    // Confirmation is on by default: the reply carries a code only the real phone sees, and nothing changed yet.
    const confirmation = await pollUntil(async () => smsTo(user.phone)[1], {
      timeoutMs: 20_000,
      description: 'the answer to UNLOCK',
    });
    const code = /reply with (\d{6}) within 5 minutes to confirm the unlock of your account/.exec(
      confirmation.body,
    )?.[1];
    expect(code).toMatch(/^\d{6}$/);
    await expect(directory.isLockedOut(await lookUp(user))).resolves.toBe(true);
    await textBlink(user.phone, code ?? '');
    const answer = await pollUntil(async () => smsTo(user.phone)[2], {
      timeoutMs: 20_000,
      description: 'the answer to the code',
    });
    expect(answer.body).toBe('Blink: your Windows account is unlocked.');
    await expect(directory.isLockedOut(await lookUp(user))).resolves.toBe(false);
    await expect(tryBind(user.dn, user.password)).resolves.toBe('ok');
    // The lockout is over: the next scan neither alerts nor lists it.
    await blink.composition.lockoutWatch.scan(randomUUID());
    expect(smsTo(user.phone)).toHaveLength(3);
    const listed = await blink.composition.lockoutWatch.listLocked();
    expect(listed.locked.map((entry) => entry.userGuid)).not.toContain(user.userGuid);
  });

  describe('the alert\'s "Reply UNLOCK" and the per-account limits', () => {
    const nthSms = (phone: string | undefined, index: number) =>
      pollUntil(async () => smsTo(phone)[index], { timeoutMs: 20_000, description: `SMS ${index + 1} to the user` });
    const codeIn = (body: string) => /reply with (\d{6}) within 5 minutes/.exec(body)?.[1] ?? 'no code';
    const tooMany = (body: string) => body.startsWith('Blink: too many requests for this account.');
    const kindOf = (body: string) => (tooMany(body) ? 'notice' : codeIn(body) !== 'no code' ? 'code' : body);
    // The limits count per clock hour: start these tests at the beginning of one, so no window ends midway. (Only
    // backwards: a lockout then looks younger, never run out.)
    const startOfHour = () => {
      clock.offsetMs = -(Date.now() % 3_600_000) + 1_000;
    };

    it("an UNLOCK of an account that was not locked uses up no request: after it and two RESETs, the alert's UNLOCK still works", async () => {
      const user = await enroll(await newUser('lw-ref'), { devices: 0 });
      startOfHour();
      await textBlink(user.phone, 'UNLOCK');
      await textBlink(user.phone, codeIn((await nthSms(user.phone, 0)).body));
      expect((await nthSms(user.phone, 1)).body).toBe('Blink: your account is not locked.');
      await pollUntil(
        async () =>
          (await blink.composition.adapters.auditLog.listForUser(user.userGuid, 50)).some(
            (event) => event.action === 'unlock',
          )
            ? true
            : undefined,
        {
          timeoutMs: 20_000,
          description: 'the unlock job to finish',
        },
      );
      await textBlink(user.phone, 'RESET');
      await textBlink(user.phone, 'RESET');
      expect(smsTo(user.phone).map((sms) => kindOf(sms.body))).toEqual([
        'code',
        'Blink: your account is not locked.',
        'code',
        'code',
      ]);

      await lockOut(user);
      await blink.composition.lockoutWatch.scan(randomUUID());
      expect((await nthSms(user.phone, 4)).body).toMatch(/^Blink: your Windows account was locked at /);
      await textBlink(user.phone, 'UNLOCK');
      const confirmation = await nthSms(user.phone, 5);
      expect(confirmation.body).toMatch(
        /^Blink: reply with \d{6} within 5 minutes to confirm the unlock of your account\.$/,
      );
      await textBlink(user.phone, codeIn(confirmation.body));
      expect((await nthSms(user.phone, 6)).body).toBe('Blink: your Windows account is unlocked.');
      await expect(tryBind(user.dn, user.password)).resolves.toBe('ok');
    });

    it('a reply to a lockout alert is answered even when the limit notices of the hour went out before the lockout', async () => {
      const user = await enroll(await newUser('lw-lim'), { devices: 0 });
      startOfHour();
      for (const body of ['RESET', 'RESET', 'RESET', 'RESET', 'UNLOCK', 'UNLOCK']) await textBlink(user.phone, body);
      // Three codes, then one notice for RESET and one for UNLOCK; the second UNLOCK got nothing.
      expect(smsTo(user.phone).map((sms) => kindOf(sms.body))).toEqual(['code', 'code', 'code', 'notice', 'notice']);

      await lockOut(user);
      await blink.composition.lockoutWatch.scan(randomUUID());
      expect((await nthSms(user.phone, 5)).body).toMatch(/^Blink: your Windows account was locked at /);
      // The alert said "Reply UNLOCK": the reply is answered (the limit holds: no code), once.
      await textBlink(user.phone, 'UNLOCK');
      expect(tooMany((await nthSms(user.phone, 6)).body)).toBe(true);
      await textBlink(user.phone, 'UNLOCK');
      expect(smsTo(user.phone)).toHaveLength(7);
    });
  });

  it('end to end in the local runtime: a queued lockout-scan job alerts (console JSON), and `npm run admin -- locked` shows it', async () => {
    const user = await enroll(await newUser('lw-e2e'));
    await lockOut(user);
    const account = await lockedAtOf(user);

    const queued = await fetch(`${blink.url}/_local/api/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'lockout-scan' }),
    });
    expect(queued.status).toBe(202);
    const sms = await pollUntil(
      async () => {
        const list = (await (await fetch(`${blink.url}/_local/api/sms`)).json()) as Array<{ to: string; body: string }>;
        return list.find((entry) => entry.to === user.phone);
      },
      { timeoutMs: 20_000, description: 'the lockout SMS in the console' },
    );
    expect(sms.body).toBe(expectedSms(account.lockedAt));
    const pushes = (await (await fetch(`${blink.url}/_local/api/push`)).json()) as Array<{
      target: string;
      title: string;
    }>;
    expect(pushes.filter((push) => user.pushTargets.includes(push.target))).toEqual([
      expect.objectContaining({ title: 'Blink: account locked' }),
    ]);
    const consolePage = await (await fetch(`${blink.url}/_local`)).text();
    expect(consolePage).toContain(user.pushTargets[0]);

    const answer = await fetch(`${blink.url}/admin/locked`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(answer.status).toBe(200);
    const listed = (await answer.json()) as {
      complete: boolean;
      locked: Array<{ samAccountName: string; lockedAt: string; lockoutEndsAt: string | null; alert: unknown }>;
    };
    expect(listed.complete).toBe(true);
    expect(listed.locked.find((entry) => entry.samAccountName === user.samAccountName)).toEqual({
      userGuid: user.userGuid,
      samAccountName: user.samAccountName,
      displayName: `Test ${user.samAccountName}`,
      lockedAt: account.lockedAt.toISOString(),
      lockoutEndsAt: new Date(account.lockedAt.getTime() + LOCKOUT_SECONDS * 1000).toISOString(),
      alert: { outcome: 'alerted', sms: 'sent', pushes: 1, handledAt: expect.any(String) },
      // The wrong binds went to dc1, the runtime's one configured DC.
      badPasswords: [
        { dc: 'dc1.corp.example.test', state: 'read', count: expect.any(Number), lastAt: expect.any(String) },
      ],
    });

    const printed: string[] = [];
    await runAdmin(['locked'], { PORT: String(blink.port), LOCAL_ADMIN_TOKEN: ADMIN_TOKEN }, (line) =>
      printed.push(line),
    );
    const line = printed.find((entry) => entry.includes(user.samAccountName));
    expect(line).toContain('alerted');
    expect(line).toContain('sms sent');
    expect(line).toMatch(/wrong passwords: \d+ on dc1\.corp\.example\.test \(last /);
    expect(line).toContain(account.lockedAt.toISOString().slice(0, 16).replace('T', ' '));
  });
});
