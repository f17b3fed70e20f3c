import { randomBytes, randomUUID } from 'node:crypto';
import { startLocalBlink, type LocalBlink } from '../../local/runtime.js';
import { DynamoLockoutAlertLog } from '../../shared/adapters/dynamodb/lockout-alert-log.js';
import { createDocumentClient } from '../../shared/composition/aws-clients.js';
import { localTarget } from '../support/local-aws.js';
import { LdapDirectory } from '../../shared/adapters/ldap/ldap-directory.js';
import type { LockoutScanSummary } from '../../shared/use-cases/lockout/index.js';
import { captureLogs, type LogCapture } from '../support/capture-logs.js';
import { activeEnrollment } from '../support/enrollments.js';
import { OffsetClock } from '../support/manual-clock.js';
import { pollUntil } from '../support/poll.js';
import { freshPhone, outcomeOf, smsTo, text } from './support/inbound-sms.js';
import { directoryOptions, localDirectorySettings, lockOut, throwawayUsers, type TestUser } from './support/samba.js';

// A password spray on the Samba DC: 300 enrolled users locked at once by bad binds (bounded, loopback). One scan finds
// them all: the admins are told first, every user gets exactly one alert, at most SMS_SENDS_PER_SECOND a second by the
// schedule the queue was given (the alert log keeps each alert's slot), never before its slot, and UNLOCK by SMS asks
// for the confirmation code although RESET_CONFIRMATION is off, until the event ends.

const USERS = 300;
/** Faster than a toll-free number (3 a second), so the run takes 15 s, not 100: the rule is the same. */
const PER_SECOND = 20;
/** LDAP connections at once while creating and locking users: bounded load on the shared DC. */
const PARALLEL = 8;
const INBOUND_NUMBER = '+18553917277';

interface Victim extends TestUser {
  userGuid: string;
  phone: string;
  lockoutTime?: string;
}

async function inParallel<T, R>(items: T[], limit: number, action: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await action(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

describe('mass lockout against the Samba DC (300 users)', () => {
  const clock = new OffsetClock();
  const directory = new LdapDirectory(directoryOptions());
  const users = throwawayUsers();
  let blink: LocalBlink;
  let logs: LogCapture;
  const victims: Victim[] = [];
  /** Timings, printed once the logs are no longer captured. */
  const figures: string[] = [];

  beforeAll(async () => {
    logs = captureLogs();
    blink = await startLocalBlink({
      env: {
        TOKEN_HMAC_KEY: randomBytes(32).toString('base64'),
        BLINK_VERSION: 'test',
        RESET_CONFIRMATION: 'false',
        MASS_LOCKOUT_THRESHOLD: '100',
        MASS_LOCKOUT_THRESHOLD_PERCENT: '0',
        SMS_SENDS_PER_SECOND: String(PER_SECOND),
        MASS_LOCKOUT_EVENT_MINUTES: '30',
        LOCKOUT_SCAN_TIME_BUDGET_MS: '60000',
        // Every scan a full one, so the second scan meets all 300 lockouts again.
        LOCKOUT_SCAN_WATERMARK_MAX_AGE_SECONDS: '0',
        SMS_INBOUND_NUMBERS: INBOUND_NUMBER,
      },
      port: 0,
      clock,
      lockoutScanIntervalSeconds: 3600,
      directory: localDirectorySettings(),
    });
    const started = Date.now();
    const created = await inParallel(
      Array.from({ length: USERS }, (_, index) => index),
      PARALLEL,
      () => users.create('spray'),
    );
    const createdMs = Date.now() - started;
    await inParallel(created, PARALLEL, async (user) => {
      const found = await directory.findUserBySamAccountName(user.samAccountName);
      if (!found) throw new Error(`${user.samAccountName} not found`);
      const phone = freshPhone();
      await blink.composition.adapters.enrollmentStore.save(
        activeEnrollment(
          { userGuid: found.objectGuid, dn: found.dn, samAccountName: user.samAccountName },
          { phoneE164: phone, at: clock.now() },
        ),
        0,
      );
      victims.push({ ...user, userGuid: found.objectGuid, phone });
    });
    const lockStarted = Date.now();
    await inParallel(created, PARALLEL, (user) => lockOut(user));
    figures.push(
      `mass lockout set-up: ${USERS} users created in ${createdMs} ms, locked in ${Date.now() - lockStarted} ms`,
    );
  }, 600_000);

  afterAll(async () => {
    await blink?.stop();
    logs?.restore();
    console.log(figures.join('\n'));
    await directory.close();
    await users.removeAll();
  }, 300_000);

  let summary: LockoutScanSummary;
  let scannedAt: Date;

  it('one scan tells the admins, records the event and queues every alert within its budget', async () => {
    scannedAt = clock.now();
    const started = Date.now();
    summary = await blink.composition.lockoutWatch.scan(randomUUID());
    const scanMs = Date.now() - started;
    figures.push(`mass lockout scan: ${scanMs} ms for ${summary.locked} locked accounts`);

    expect(summary).toMatchObject({ queued: USERS, alerted: 0, massLockoutStarted: true, complete: true });
    expect(scanMs).toBeLessThan(60_000);
    const admin = blink.composition.adapters.adminAlerts.list();
    expect(admin).toHaveLength(1);
    expect(admin[0]?.subject).toBe(`Blink: mass lockout, ${USERS} accounts locked`);
  });

  it('every enrolled user gets exactly one alert, after the admins, paced by the schedule the queue was given', async () => {
    const sent = await pollUntil(
      async () => {
        const all = victims.flatMap((victim) => smsTo(blink, victim.phone));
        return all.length >= USERS ? all : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500, description: `${USERS} lockout alerts` },
    );
    expect(sent).toHaveLength(USERS);
    for (const victim of victims) {
      const [alert, ...more] = smsTo(blink, victim.phone);
      expect(more).toEqual([]);
      expect(alert?.body).toMatch(
        /^Blink: your Windows account was locked at \d\d:\d\d UTC\. Many accounts were locked at once and IT has been told\. No need to reply\.$/,
      );
    }
    const adminAt = blink.composition.adapters.adminAlerts.list()[0]?.at.getTime() ?? Infinity;
    expect(Math.min(...sent.map((sms) => Date.parse(sms.at)))).toBeGreaterThanOrEqual(adminAt);

    // The schedule: each alert's slot from the alert log, at most PER_SECOND in any second, the run in USERS /
    // PER_SECOND seconds from the scan, and no SMS before its slot.
    const { locked } = await directory.scanLockedAccounts({ pageSize: 500, timeBudgetMs: 30_000 });
    const lockoutTimes = new Map(locked.map((account) => [account.objectGuid, account.lockoutTime]));
    const alertLog = new DynamoLockoutAlertLog(createDocumentClient(localTarget(blink.services.dynamodb)), {
      tableName: blink.composition.env.TABLE_NAME,
      now: () => clock.now(),
    });
    const slots = await inParallel(victims, PARALLEL, async (victim) => {
      const record = await alertLog.find(victim.userGuid, lockoutTimes.get(victim.userGuid) ?? '');
      expect(record).toMatchObject({ outcome: 'alerted', sms: 'sent' });
      const slot = record?.scheduledFor;
      if (!slot) throw new Error(`no slot recorded for ${victim.samAccountName}`);
      const [sms] = smsTo(blink, victim.phone);
      expect(Date.parse(sms?.at ?? '')).toBeGreaterThanOrEqual(slot.getTime());
      return slot.getTime();
    });
    const first = Math.min(...slots);
    expect(first).toBeGreaterThanOrEqual(scannedAt.getTime());
    const perSecond = new Map<number, number>();
    for (const slot of slots) {
      const second = Math.floor((slot - first) / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    expect(Math.max(...perSecond.values())).toBe(PER_SECOND);
    expect(Math.max(...perSecond.keys())).toBe(USERS / PER_SECOND - 1);
    const sentSpanMs =
      Math.max(...sent.map((sms) => Date.parse(sms.at))) - Math.min(...sent.map((sms) => Date.parse(sms.at)));
    figures.push(`mass lockout alerts: ${USERS} sent over ${sentSpanMs} ms (schedule ${USERS / PER_SECOND} s)`);
  }, 180_000);

  it('a second scan during the event sends nothing more (every lockout was claimed once)', async () => {
    const again = await blink.composition.lockoutWatch.scan(randomUUID());
    expect(again).toMatchObject({ queued: 0, alerted: 0, alreadyHandled: USERS });
    expect(blink.composition.adapters.adminAlerts.list()).toHaveLength(1);
  });

  it('UNLOCK by SMS asks for the confirmation code during the event, and acts at once after it', async () => {
    const [victim, later] = victims;
    if (!victim || !later) throw new Error('no victims');
    const asked = await text(blink, victim.phone, 'UNLOCK', { to: INBOUND_NUMBER });
    const outcome = await pollUntil(async () => outcomeOf(logs, asked.inboundMessageId), {
      timeoutMs: 10_000,
      description: 'the UNLOCK to be handled',
    });
    expect(outcome).toBe('confirmation-sent');
    expect(smsTo(blink, victim.phone).at(-1)?.body).toMatch(
      /^Blink: reply with \d{6} within 5 minutes to confirm the unlock of your account\.$/,
    );

    // 31 minutes on, the event is over: RESET_CONFIRMATION=false applies again.
    clock.offsetMs = 31 * 60_000;
    const afterwards = await text(blink, later.phone, 'UNLOCK', { to: INBOUND_NUMBER });
    await expect(
      pollUntil(async () => outcomeOf(logs, afterwards.inboundMessageId), {
        timeoutMs: 10_000,
        description: 'the later UNLOCK to be handled',
      }),
    ).resolves.toBe('job-enqueued');
  });
});
