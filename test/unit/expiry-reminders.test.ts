import { randomUUID } from 'node:crypto';
import { parseEnv, ConfigurationError } from '../../shared/config/env.js';
import type { DirectoryJob } from '../../shared/domain/directory-job.js';
import type { Enrollment } from '../../shared/domain/enrollment.js';
import { DeliveryError } from '../../shared/domain/errors.js';
import type { AuditEvent } from '../../shared/ports/audit-log.js';
import type {
  DirectoryUser,
  ExpiringPassword,
  PasswordExpiryScanOptions,
  PasswordExpiryScanResult,
  PasswordPolicy,
} from '../../shared/ports/directory.js';
import type { OutboundEmail } from '../../shared/ports/email-sender.js';
import type {
  ExpiryReminderKey,
  ExpiryReminderLog,
  ExpiryReminderOutcome,
} from '../../shared/ports/expiry-reminder-log.js';
import type { OutboundPush } from '../../shared/ports/push-sender.js';
import type { OutboundSms } from '../../shared/ports/sms-sender.js';
import {
  createExpiryReminders,
  dueStep,
  expiryReminderEmail,
  expiryReminderSms,
  expiryShortTime,
  nextLocalHour,
  type ExpiryReminderSettings,
} from '../../shared/use-cases/expiry-reminders/index.js';
import { activeEnrollment, readOnlyEnrollmentStore } from '../support/enrollments.js';
import { EmptyDirectory } from '../support/fake-directory.js';
import { ManualClock } from '../support/manual-clock.js';
import { silentLogger } from '../support/silent-logger.js';

// Password-expiry reminders: which step is due, the daily hour in a time zone, the wording, and the scan's rules with
// in-memory fakes of its ports. The adapters and the whole flow run against Samba and dynalite in
// test/integration/expiry-reminders.test.ts.

const DAY = 86_400_000;
const NOW = new Date('2026-12-04T09:00:00.000Z');
const in_ = (days: number, from = NOW) => new Date(from.getTime() + days * DAY);

describe('dueStep', () => {
  const steps = [14, 7, 3, 1];
  it.each([
    [10, 14],
    [14, 14],
    [7, 7],
    [6, 7],
    [2, 3],
    [0.8, 1],
  ])('with %s days left the %s-day reminder is due', (left, step) => {
    expect(dueStep(in_(left), NOW, steps)).toBe(step);
  });

  it('is none before the largest step and once the password has expired', () => {
    expect(dueStep(in_(14.01), NOW, steps)).toBeUndefined();
    expect(dueStep(in_(0), NOW, steps)).toBeUndefined();
    expect(dueStep(in_(-1), NOW, steps)).toBeUndefined();
  });

  it('does not depend on the order the steps are configured in', () => {
    expect(dueStep(in_(2), NOW, [1, 14, 3, 7])).toBe(3);
    expect(dueStep(in_(20), NOW, [30, 5])).toBe(30);
  });
});

describe('nextLocalHour', () => {
  it('finds 09:00 in Berlin in winter (08:00 UTC) and in summer (07:00 UTC)', () => {
    expect(nextLocalHour(new Date('2026-12-04T07:00:00Z'), 9, 'Europe/Berlin').toISOString()).toBe(
      '2026-12-04T08:00:00.000Z',
    );
    expect(nextLocalHour(new Date('2026-12-04T08:00:00Z'), 9, 'Europe/Berlin').toISOString()).toBe(
      '2026-12-05T08:00:00.000Z',
    );
    expect(nextLocalHour(new Date('2026-07-01T06:59:00Z'), 9, 'Europe/Berlin').toISOString()).toBe(
      '2026-07-01T07:00:00.000Z',
    );
  });

  it('follows the daylight-saving change and half-hour zones', () => {
    // Berlin moves to summer time on 2026-03-29: the run before is at 08:00 UTC, the one after at 07:00 UTC.
    expect(nextLocalHour(new Date('2026-03-28T08:30:00Z'), 9, 'Europe/Berlin').toISOString()).toBe(
      '2026-03-29T07:00:00.000Z',
    );
    expect(nextLocalHour(new Date('2026-12-04T00:00:00Z'), 9, 'Asia/Kolkata').toISOString()).toBe(
      '2026-12-04T03:30:00.000Z',
    );
    expect(nextLocalHour(new Date('2026-12-04T00:00:00Z'), 0, 'UTC').toISOString()).toBe('2026-12-05T00:00:00.000Z');
  });
});

describe('wording', () => {
  const wording = { productName: 'Blink', supportContact: 'the IT desk', timeZone: 'Europe/Berlin' };
  const gsm7 = /^[A-Za-z0-9 @£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!"#¤%&'()*+,\-./:;<=>?¡ÄÖÑÜ§¿äöñüà]*$/;

  it('says the expiry with its zone, in winter and in summer', () => {
    expect(expiryShortTime(new Date('2026-12-15T08:00:00Z'), 'Europe/Berlin')).toBe('Tue 15 Dec 09:00 CET');
    expect(expiryShortTime(new Date('2026-07-15T07:00:00Z'), 'Europe/Berlin')).toBe('Wed 15 Jul 09:00 CEST');
    expect(expiryShortTime(new Date('2026-12-15T08:00:00Z'), 'Asia/Kolkata')).toBe('Tue 15 Dec 13:30 GMT+5:30');
  });

  it('fits the SMS in one GSM-7 segment and says how to change the password', () => {
    const sms = expiryReminderSms(wording, new Date('2026-07-15T07:00:00Z'), '+18553917277');
    expect(sms).toBe(
      'Blink: your Windows password expires Wed 15 Jul 09:00 CEST. Change it: Ctrl-Alt-Del > Change a password, or text RESET to +18553917277 for a new one.',
    );
    expect(sms).toMatch(gsm7);
    expect(sms.length).toBeLessThanOrEqual(160);
    const kolkata = expiryReminderSms(
      { ...wording, timeZone: 'Asia/Kolkata' },
      new Date('2026-12-15T08:00:00Z'),
      '+14437477277',
    );
    expect(kolkata.length).toBeLessThanOrEqual(160);
  });

  it('writes the email in text and escaped HTML, with the RESET number only for SMS users', () => {
    const to = { mail: 'jane@corp.example.test', displayName: 'Jane <Doe>' };
    const sms = expiryReminderEmail(wording, to, {
      expiresAt: new Date('2026-12-15T08:00:00Z'),
      days: 7,
      route: { sms: '+18553917277' },
    });
    expect(sms.subject).toBe('Blink: your Windows password expires in 7 days');
    expect(sms.text).toContain('on Tuesday 15 December 2026 at 09:00 CET');
    expect(sms.text).toContain('press Ctrl-Alt-Del and choose "Change a password"');
    expect(sms.text).toContain('text RESET to +18553917277');
    expect(sms.html).toContain('Hello Jane &lt;Doe&gt;,');
    expect(sms.html).not.toContain('<Doe>');
    const app = expiryReminderEmail(wording, to, {
      expiresAt: new Date('2026-12-15T08:00:00Z'),
      days: 1,
      route: { app: true },
    });
    expect(app.subject).toBe('Blink: your Windows password expires within a day');
    expect(app.text).toContain('get a new one in the Blink app');
    expect(app.text).not.toContain('RESET');
    expect(app.text).not.toMatch(/https?:/);
  });
});

describe('settings', () => {
  it('defaults to steps 14, 7, 3, 1 by email only, and refuses bad steps', () => {
    const env = parseEnv(['expiryReminders'], {});
    expect(env).toMatchObject({
      PASSWORD_EXPIRY_REMINDER_DAYS: [14, 7, 3, 1],
      PASSWORD_EXPIRY_REMINDER_SMS: false,
      PASSWORD_EXPIRY_REMINDER_PUSH: false,
    });
    expect(
      parseEnv(['expiryReminders'], { PASSWORD_EXPIRY_REMINDER_DAYS: '10, 5,2' }).PASSWORD_EXPIRY_REMINDER_DAYS,
    ).toEqual([10, 5, 2]);
    for (const bad of ['0', '7,7', 'seven', '120']) {
      expect(() => parseEnv(['expiryReminders'], { PASSWORD_EXPIRY_REMINDER_DAYS: bad })).toThrow(ConfigurationError);
    }
  });
});

// ---- The scan, with fakes -----------------------------------------------------------------------------------------

/** The scan reads expiries, never the policy: the fake's policy is the port's shape only. */
const domainPolicy = { source: { kind: 'domain' } } as PasswordPolicy;

class ExpiringDirectory extends EmptyDirectory {
  entries: ExpiringPassword[] = [];
  protectedGuids = new Set<string>();
  scans: PasswordExpiryScanOptions[] = [];
  complete = true;
  constructor() {
    super(domainPolicy);
  }
  override async scanPasswordExpiries(options: PasswordExpiryScanOptions): Promise<PasswordExpiryScanResult> {
    this.scans.push(options);
    const from = options.pwdLastSetFrom ? BigInt(options.pwdLastSetFrom) : 0n;
    // Unordered, as a DC returns them.
    const expiring = [...this.entries].reverse().filter((entry) => BigInt(entry.pwdLastSet) >= from);
    return { expiring, pages: 1, complete: this.complete };
  }
  override async findUserByGuid(guid: string): Promise<DirectoryUser | undefined> {
    const entry = this.entries.find((candidate) => candidate.objectGuid === guid);
    return entry
      ? {
          objectGuid: guid,
          dn: entry.dn,
          samAccountName: entry.samAccountName,
          userAccountControl: 512,
          adminCount: 0,
          accountExpires: '0',
          lockoutTime: '0',
          isComputer: false,
        }
      : undefined;
  }
  override async isProtected(user: DirectoryUser): Promise<boolean> {
    return this.protectedGuids.has(user.objectGuid);
  }
}

class MemoryReminderLog implements ExpiryReminderLog {
  readonly items = new Map<string, ExpiryReminderOutcome | 'claimed'>();
  private key = (reminder: ExpiryReminderKey) =>
    `${reminder.userGuid}#${reminder.expiresAt.toISOString()}#${reminder.step}`;
  async claim(reminder: ExpiryReminderKey): Promise<boolean> {
    if (this.items.has(this.key(reminder))) return false;
    this.items.set(this.key(reminder), 'claimed');
    return true;
  }
  async complete(reminder: ExpiryReminderKey, outcome: ExpiryReminderOutcome): Promise<void> {
    this.items.set(this.key(reminder), outcome);
  }
  async release(reminder: ExpiryReminderKey): Promise<void> {
    this.items.delete(this.key(reminder));
  }
  async find(reminder: ExpiryReminderKey) {
    return this.items.get(this.key(reminder));
  }
}

function setup(overrides: Partial<ExpiryReminderSettings> = {}, options: { smsPerSecond?: number } = {}) {
  const clock = new ManualClock(NOW);
  /** The queue's delay of each job, in order (paced SMS reminders). */
  const delays: number[] = [];
  const onceKeys = new Set<string>();
  let nextFree = 0;
  const directory = new ExpiringDirectory();
  const enrollments = new Map<string, Enrollment>();
  const emails: OutboundEmail[] = [];
  const texts: OutboundSms[] = [];
  const pushes: OutboundPush[] = [];
  const queued: DirectoryJob[] = [];
  const audit: AuditEvent[] = [];
  const reminderLog = new MemoryReminderLog();
  const optedOut = new Set<string>();
  const emailFailure: { error?: Error } = {};
  const perUserMs = { value: 0 };
  let pwdLastSet = 1_000_000n;
  const settings: ExpiryReminderSettings = {
    steps: [14, 7, 3, 1],
    timeZone: 'UTC',
    sms: false,
    push: false,
    pageSize: 500,
    timeBudgetMs: 30_000,
    productName: 'Blink',
    supportContact: 'the IT desk',
    defaultResetNumber: '+18553917277',
    ...overrides,
  };
  const reminders = createExpiryReminders({
    directory,
    enrollmentStore: readOnlyEnrollmentStore(enrollments),
    deviceStore: {
      add: async () => undefined,
      get: async () => undefined,
      listForUser: async (userGuid) => [
        {
          deviceId: randomUUID(),
          userGuid,
          publicKey: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' },
          unlockMethod: 'biometric',
          platform: 'ios',
          pushToken: `endpoint/${userGuid}`,
          boundAt: NOW,
        },
      ],
      revoke: async () => false,
      rememberNonce: async () => true,
    },
    optOutList: {
      optOut: async (phone) => void optedOut.add(phone),
      optIn: async () => undefined,
      isOptedOut: async (phone) => optedOut.has(phone),
    },
    smsSender: { send: async (sms) => (texts.push(sms), { messageId: 'm' }) },
    emailSender: {
      send: async (email) => {
        if (emailFailure.error) throw emailFailure.error;
        clock.advanceSeconds(perUserMs.value / 1000);
        emails.push(email);
        return { messageId: 'e' };
      },
    },
    pushSender: { send: async (push) => (pushes.push(push), { messageId: 'p' }) },
    reminderLog,
    jobQueue: {
      enqueue: async (job, queueOptions) => {
        queued.push(job);
        delays.push(queueOptions?.delaySeconds ?? 0);
      },
    },
    ...(options.smsPerSecond
      ? {
          smsPacing: {
            perSecond: options.smsPerSecond,
            // The DynamoDB adapter's rule in memory (tested against dynalite): runs follow each other.
            pacer: {
              reserve: async (seconds: number, now: Date) => {
                const start = Math.max(now.getTime(), nextFree);
                nextFree = start + Math.ceil(seconds * 1000);
                return new Date(start);
              },
            },
            onceKeys: {
              recordFirst: async (key: string) => !onceKeys.has(key) && Boolean(onceKeys.add(key)),
              forget: async (key: string) => void onceKeys.delete(key),
            },
          },
        }
      : {}),
    auditLog: { record: async (event) => void audit.push(event), listForUser: async () => [] },
    clock,
    logger: silentLogger,
    metrics: { addMetric: () => undefined },
    settings,
  });
  /** A user whose password expires in `days` days; enrolled (SMS, with a phone) unless told otherwise. */
  const user = (days: number, options: { enrolled?: boolean; phone?: string | null } = {}) => {
    const objectGuid = randomUUID();
    const samAccountName = `user-${objectGuid.slice(0, 6)}`;
    pwdLastSet += 1000n;
    directory.entries.push({
      objectGuid,
      dn: `CN=${samAccountName},DC=corp`,
      samAccountName,
      pwdLastSet: String(pwdLastSet),
      expiresAt: in_(days),
    });
    const phone =
      options.phone === null ? undefined : (options.phone ?? `+1415555${String(1000 + directory.entries.length)}`);
    if (options.enrolled !== false)
      enrollments.set(
        objectGuid,
        activeEnrollment(
          { userGuid: objectGuid, dn: `CN=${samAccountName}`, samAccountName },
          { phoneE164: phone, app: true },
        ),
      );
    return { objectGuid, samAccountName, mail: `${samAccountName}@corp.example.test`, phone };
  };
  return {
    clock,
    directory,
    reminders,
    emails,
    texts,
    pushes,
    queued,
    delays,
    audit,
    reminderLog,
    optedOut,
    emailFailure,
    perUserMs,
    user,
    enrollments,
  };
}

describe('expiry reminder scan', () => {
  it('emails each enrolled user the step due now, once, and skips the unenrolled and the protected', async () => {
    const t = setup();
    const in10 = t.user(10);
    const in6 = t.user(6);
    const in2 = t.user(2);
    const notYet = t.user(20);
    t.user(5, { enrolled: false });
    const admin = t.user(3);
    t.directory.protectedGuids.add(admin.objectGuid);

    const first = await t.reminders.scan('job-1');
    expect(first).toMatchObject({
      reminded: 3,
      notDue: 1,
      unenrolled: 1,
      protected: 1,
      alreadySent: 0,
      continued: false,
    });
    expect(t.emails.map((email) => [email.to, email.subject]).sort()).toEqual(
      [
        [in10.mail, 'Blink: your Windows password expires in 10 days'],
        [in6.mail, 'Blink: your Windows password expires in 6 days'],
        [in2.mail, 'Blink: your Windows password expires in 2 days'],
      ].sort(),
    );
    expect(t.emails.some((email) => email.to === notYet.mail)).toBe(false);
    // The scan asks for the largest step's horizon.
    expect(t.directory.scans[0]).toMatchObject({ horizonDays: 14, now: NOW });
    // Email only by default: no SMS, no push.
    expect(t.texts).toEqual([]);
    expect(t.pushes).toEqual([]);
    expect(t.audit.filter((event) => event.action === 'password-expiry-reminder')).toHaveLength(3);

    // The same day again (a duplicate delivery, or a second scan): nothing twice.
    const again = await t.reminders.scan('job-1');
    expect(again).toMatchObject({ reminded: 0, alreadySent: 3 });
    expect(t.emails).toHaveLength(3);

    // Four days later the 10-day user is at 6 days: the 7-day step. The 6-day user is at 2: the 3-day step.
    t.clock.set(in_(4));
    await t.reminders.scan('job-2');
    expect(t.emails.filter((email) => email.to === in10.mail)).toHaveLength(2);
    expect(t.emails.filter((email) => email.to === in6.mail)).toHaveLength(2);
    expect(t.emails.filter((email) => email.to === in2.mail)).toHaveLength(1);
  });

  it('texts and pushes when the admin turned them on, never to an opted-out number', async () => {
    const t = setup({ sms: true, push: true, timeZone: 'Europe/Berlin' });
    const texted = t.user(7);
    const stopped = t.user(7);
    t.optedOut.add(stopped.phone ?? '');
    const appOnly = t.user(7, { phone: null });
    await t.reminders.scan('job-1');
    expect(t.texts.map((sms) => sms.to)).toEqual([texted.phone]);
    expect(t.texts[0]?.body).toBe(
      `Blink: your Windows password expires ${expiryShortTime(in_(7), 'Europe/Berlin')}. Change it: Ctrl-Alt-Del > Change a password, or text RESET to +18553917277 for a new one.`,
    );
    expect(t.pushes).toHaveLength(3);
    expect(t.emails.find((email) => email.to === appOnly.mail)?.text).toContain('get a new one in the Blink app');
    const outcome = [...t.reminderLog.items.values()]
      .filter((item) => item !== 'claimed')
      .map((item) => item.sms)
      .sort();
    expect(outcome).toEqual(['no-phone', 'opted-out', 'sent']);
  });

  it('texts and pushes users who chose it (setup, app settings) while the admin settings are off', async () => {
    const t = setup();
    const bySms = t.user(7);
    const byPush = t.user(7);
    const emailOnly = t.user(7);
    const chose = (guid: string, choice: { sms?: boolean; push?: boolean }) => {
      const enrollment = t.enrollments.get(guid);
      if (!enrollment) throw new Error('not enrolled');
      t.enrollments.set(guid, { ...enrollment, expiryReminders: choice });
    };
    chose(bySms.objectGuid, { sms: true });
    chose(byPush.objectGuid, { push: true, sms: false });
    await t.reminders.scan('job-1');
    expect(t.texts.map((sms) => sms.to)).toEqual([bySms.phone]);
    expect(t.pushes.map((push) => push.target)).toEqual([`endpoint/${byPush.objectGuid}`]);
    expect(t.pushes[0]?.data).toEqual({ kind: 'password-expiry', expiresAt: in_(7).toISOString() });
    expect(t.emails.map((email) => email.to).sort()).toEqual([bySms.mail, byPush.mail, emailOnly.mail].sort());
  });

  it('paces SMS reminders through the queue (one share of the SMS schedule each); each job texts once', async () => {
    const t = setup({ sms: true }, { smsPerSecond: 3 });
    const people = [1, 2, 3, 4, 5, 6, 7].map(() => t.user(7));
    const summary = await t.reminders.scan('job-1');
    expect(summary.reminded).toBe(7);
    expect(t.texts).toEqual([]);
    const jobs = t.queued.filter((job) => job.kind === 'expiry-reminder-sms');
    expect(jobs).toHaveLength(7);
    // 3 a second: a share of 334 ms each (rounded up, so a second never holds a fourth); the queue holds each job
    // until the whole second after its slot.
    const slots = jobs.map((job) => Date.parse(job.notBefore) - NOW.getTime()).sort((a, b) => a - b);
    expect(slots).toEqual([0, 334, 668, 1002, 1336, 1670, 2004]);
    expect([...t.delays].sort()).toEqual([0, 1, 1, 2, 2, 2, 3]);

    for (const job of jobs) {
      t.clock.set(new Date(job.notBefore));
      expect(await t.reminders.sendQueuedSms(job)).toBe('sent');
      expect(await t.reminders.sendQueuedSms(job)).toBe('already-sent');
    }
    expect(t.texts.map((sms) => sms.to).sort()).toEqual(people.map((person) => person.phone).sort());
  });

  it('frees the reminder when nothing reached the user and fails the job, so the retry sends it', async () => {
    const t = setup();
    const user = t.user(3);
    t.emailFailure.error = new DeliveryError('SES throttled');
    await expect(t.reminders.scan('job-1')).rejects.toThrow('no expiry reminder reached the user');
    expect(t.reminderLog.items.size).toBe(0);
    delete t.emailFailure.error;
    await expect(t.reminders.scan('job-1')).resolves.toMatchObject({ reminded: 1 });
    expect(t.emails.map((email) => email.to)).toEqual([user.mail]);
  });

  it('queues a continuation after the last user handled when the time budget runs out, and the continuation finishes', async () => {
    const t = setup({ timeBudgetMs: 10_000 });
    const users = Array.from({ length: 12 }, () => t.user(5));
    // Each email takes a second: one batch of 5 fits in the budget, twice.
    t.perUserMs.value = 1000;
    const first = await t.reminders.scan('job-1');
    expect(first).toMatchObject({ reminded: 10, continued: true });
    expect(t.queued).toHaveLength(1);
    const continuation = t.queued[0];
    if (continuation?.kind !== 'password-expiry-scan') throw new Error('no continuation queued');
    // In (pwdLastSet, objectGUID) order: the tenth user is the last one handled.
    expect(continuation.after).toEqual({
      pwdLastSet: t.directory.entries[9]?.pwdLastSet,
      userGuid: users[9]?.objectGuid,
    });
    const second = await t.reminders.scan(continuation.jobId, continuation.after);
    expect(second).toMatchObject({ expiring: 2, reminded: 2, alreadySent: 0, continued: false });
    expect(t.directory.scans[1]?.pwdLastSetFrom).toBe(continuation.after?.pwdLastSet);
    expect(new Set(t.emails.map((email) => email.to)).size).toBe(12);
    expect(t.emails).toHaveLength(12);
  });

  it('handles one batch even when reading AD used up the budget, so every continuation moves on', async () => {
    const t = setup({ timeBudgetMs: 10_000 });
    for (let index = 0; index < 7; index += 1) t.user(5);
    const slowRead = t.directory.scanPasswordExpiries.bind(t.directory);
    t.directory.scanPasswordExpiries = async (options) => {
      t.clock.advanceSeconds(11);
      return slowRead(options);
    };
    expect(await t.reminders.scan('job-1')).toMatchObject({ reminded: 5, continued: true });
    const continuation = t.queued[0];
    if (continuation?.kind !== 'password-expiry-scan') throw new Error('no continuation queued');
    expect(await t.reminders.scan(continuation.jobId, continuation.after)).toMatchObject({
      reminded: 2,
      continued: false,
    });
  });

  it('starts the steps again for a new password (a new expiry)', async () => {
    const t = setup();
    const user = t.user(5);
    await t.reminders.scan('job-1');
    const entry = t.directory.entries[0];
    if (!entry) throw new Error('no entry');
    // The user changed the password after the 7-day reminder; the new one expires in 13 days (a shorter PSO, say).
    entry.expiresAt = in_(13);
    entry.pwdLastSet = '9000000';
    await t.reminders.scan('job-2');
    expect(t.emails.filter((email) => email.to === user.mail).map((email) => email.subject)).toEqual([
      'Blink: your Windows password expires in 5 days',
      'Blink: your Windows password expires in 13 days',
    ]);
  });
});
