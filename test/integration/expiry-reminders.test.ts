import { randomBytes, randomUUID } from 'node:crypto';
import { Attribute, Change } from 'ldapts';
import { DynamoExpiryReminderLog } from '../../shared/adapters/dynamodb/expiry-reminder-log.js';
import { ValidationError } from '../../shared/domain/errors.js';
import { createDocumentClient } from '../../shared/composition/aws-clients.js';
import { activeEnrollment, enrollDirectoryUser } from '../support/enrollments.js';
import { OffsetClock } from '../support/manual-clock.js';
import { localTarget } from '../support/local-aws.js';
import { pollUntil } from '../support/poll.js';
import { jobQueueDrained, queueDepth } from './support/queue.js';
import { asAdmin, passwordSettingsFor, type TestUser, useSambaSuite } from './support/samba.js';
import { useLocalBlink } from '../support/local-blink.js';

// Password-expiry reminders against the real Samba DC (4.17). Samba computes msDS-UserPasswordExpiryTimeComputed as
// pwdLastSet + the maximum password age of the user's resultant policy, fine-grained PSOs included. pwdLastSet cannot
// be written (only 0 or -1), so a user created now expires in N days under a PSO whose msDS-MaximumPasswordAge is N
// days: this file makes PSOs of 10, 6 and 2 days that apply to its own users only (msDS-PSOAppliesTo), so the domain's
// policy and the other test files' users are untouched, and removes them at the end.

const DAY_MS = 86_400_000;

describe('password-expiry reminders against the Samba DC', () => {
  const clock = new OffsetClock();
  const { blink, directory, users } = useSambaSuite({
    env: { LOCKOUT_ALERT_TIME_ZONE: 'Europe/Berlin', PASSWORD_EXPIRY_REMINDER_SMS: 'true' },
    clock,
  });
  const psoDns: string[] = [];
  let reminderLog: DynamoExpiryReminderLog;

  /** A PSO with this maximum password age for these users only. */
  const applyMaxAge = async (days: number, appliesTo: TestUser[]) => {
    psoDns.push(await passwordSettingsFor(days, appliesTo));
  };

  const people: Record<
    'in10' | 'in6' | 'in2' | 'neverExpires' | 'mustChange' | 'disabled' | 'unenrolled',
    TestUser & { guid: string; phone: string; mail: string }
  > = {} as never;

  beforeAll(async () => {
    reminderLog = new DynamoExpiryReminderLog(createDocumentClient(localTarget(blink.services.dynamodb)), {
      tableName: blink.composition.env.TABLE_NAME,
      now: () => clock.now(),
    });
    const extras: Record<keyof typeof people, Record<string, string>> = {
      in10: {},
      in6: {},
      in2: {},
      neverExpires: { userAccountControl: String(0x200 | 0x10000) },
      mustChange: {},
      disabled: { userAccountControl: String(0x200 | 0x2) },
      unenrolled: {},
    };
    for (const [name, extra] of Object.entries(extras) as Array<[keyof typeof people, Record<string, string>]>) {
      const user = await users.create(`exp${name.slice(0, 4)}`, extra);
      const found = await directory.findUserBySamAccountName(user.samAccountName);
      if (!found) throw new Error(`${user.samAccountName} not found`);
      const phone = `+1415555${String(1000 + (randomBytes(2).readUInt16BE(0) % 9000))}`;
      people[name] = { ...user, guid: found.objectGuid, phone, mail: found.mail ?? '' };
      if (name !== 'unenrolled') {
        await blink.composition.adapters.enrollmentStore.save(
          activeEnrollment(
            { userGuid: found.objectGuid, dn: found.dn, samAccountName: user.samAccountName, mail: found.mail ?? '' },
            { phoneE164: phone },
          ),
          0,
        );
      }
    }
    // Must change at next sign-in: pwdLastSet=0, which AD (and Samba) report as expiry 0.
    await asAdmin((client) =>
      client.modify(people.mustChange.dn, [
        new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdLastSet', values: ['0'] }) }),
      ]),
    );
    await applyMaxAge(10, [people.in10]);
    await applyMaxAge(6, [people.in6]);
    await applyMaxAge(2, [people.in2, people.neverExpires, people.mustChange, people.disabled, people.unenrolled]);
  });

  afterAll(async () => {
    await asAdmin(async (client) => {
      for (const dn of psoDns) await client.del(dn).catch(() => undefined);
    });
  });

  afterEach(() => {
    clock.offsetMs = 0;
  });

  const emailsTo = async (mail: string) => (await blink.listEmails()).filter((email) => email.to === mail);
  const smsTo = (phone: string) => blink.listSms().filter((sms) => sms.to === phone);
  const runJobTwice = async () => {
    // The same job delivered twice (SQS delivers at least once), handled by the worker as deployed.
    const job = { kind: 'password-expiry-scan' as const, jobId: randomUUID(), requestedAt: clock.now().toISOString() };
    await blink.composition.adapters.jobQueue.enqueue(job);
    await blink.composition.adapters.jobQueue.enqueue(job);
    await jobQueueDrained(blink);
    expect(await queueDepth(blink, blink.queue.deadLetterQueueUrl)).toBe(0);
  };

  it('claims a reminder once in DynamoDB, even when two runs claim it at the same time', async () => {
    const reminder = { userGuid: randomUUID(), expiresAt: new Date('2027-01-15T08:00:00.000Z'), step: 7 };
    const keepUntil = new Date(reminder.expiresAt.getTime() + 30 * DAY_MS);
    const claims = await Promise.all(Array.from({ length: 5 }, () => reminderLog.claim(reminder, keepUntil)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await reminderLog.find(reminder)).toBe('claimed');
    // Another step, or the expiry of a new password, is another reminder.
    expect(await reminderLog.claim({ ...reminder, step: 3 }, keepUntil)).toBe(true);
    expect(await reminderLog.claim({ ...reminder, expiresAt: new Date('2027-03-01T08:00:00.000Z') }, keepUntil)).toBe(
      true,
    );
    const sentAt = new Date('2027-01-08T08:00:00.000Z');
    await reminderLog.complete(reminder, { email: 'sent', sms: 'opted-out', pushes: 2, sentAt });
    expect(await reminderLog.find(reminder)).toEqual({ email: 'sent', sms: 'opted-out', pushes: 2, sentAt });
    expect(await reminderLog.claim(reminder, keepUntil)).toBe(false);
    // Released (nothing reached the user): the retry may claim it again.
    await reminderLog.release(reminder);
    expect(await reminderLog.claim(reminder, keepUntil)).toBe(true);
    // A claim kept past its time counts as free, whatever TTL has not deleted yet.
    const old = { ...reminder, step: 14 };
    expect(await reminderLog.claim(old, new Date(clock.now().getTime() - 1000))).toBe(true);
    expect(await reminderLog.claim(old, keepUntil)).toBe(true);
  });

  it('reads the expiry Samba computes from the PSO, paged, without never-expiring, must-change or disabled accounts', async () => {
    const now = clock.now();
    const result = await directory.scanPasswordExpiries({ now, horizonDays: 14, pageSize: 1, timeBudgetMs: 20_000 });
    expect(result.complete).toBe(true);
    const byGuid = new Map(result.expiring.map((entry) => [entry.objectGuid, entry]));
    for (const [name, days] of [
      ['in10', 10],
      ['in6', 6],
      ['in2', 2],
      ['unenrolled', 2],
    ] as const) {
      const entry = byGuid.get(people[name].guid);
      expect(entry).toBeDefined();
      // Created (pwdLastSet) within the last few minutes: expiry = pwdLastSet + the PSO's age.
      const left = (entry?.expiresAt.getTime() ?? 0) - now.getTime();
      expect(left).toBeLessThanOrEqual(days * DAY_MS);
      expect(left).toBeGreaterThan(days * DAY_MS - 10 * 60_000);
    }
    for (const name of ['neverExpires', 'mustChange', 'disabled'] as const)
      expect(byGuid.has(people[name].guid)).toBe(false);
    // One user per page: the search really pages.
    expect(result.pages).toBeGreaterThanOrEqual(4);

    // A continuation's search starts at a pwdLastSet: users set earlier (in10 was created first) are not read again.
    const from = byGuid.get(people.in6.guid)?.pwdLastSet ?? '';
    const continued = await directory.scanPasswordExpiries({
      now,
      horizonDays: 14,
      pageSize: 500,
      timeBudgetMs: 20_000,
      pwdLastSetFrom: from,
    });
    const continuedGuids = continued.expiring.map((entry) => entry.objectGuid);
    expect(continuedGuids).toEqual(expect.arrayContaining([people.in6.guid, people.in2.guid]));
    expect(continuedGuids).not.toContain(people.in10.guid);
    // Nothing but digits reaches the filter.
    await expect(
      directory.scanPasswordExpiries({
        now,
        horizonDays: 14,
        pageSize: 500,
        timeBudgetMs: 20_000,
        pwdLastSetFrom: '1)(objectClass=*',
      }),
    ).rejects.toThrow(ValidationError);
  });

  it('sends each enrolled user the reminder of the step due, once, by email and SMS, even when the job comes twice', async () => {
    await runJobTwice();
    const subjects = async (name: keyof typeof people) =>
      (await emailsTo(people[name].mail)).map((email) => email.subject);
    expect(await subjects('in10')).toEqual(['Blink: your Windows password expires in 10 days']);
    expect(await subjects('in6')).toEqual(['Blink: your Windows password expires in 6 days']);
    expect(await subjects('in2')).toEqual(['Blink: your Windows password expires in 2 days']);
    for (const name of ['neverExpires', 'mustChange', 'disabled', 'unenrolled'] as const) {
      expect(await subjects(name)).toEqual([]);
      expect(smsTo(people[name].phone)).toEqual([]);
    }
    for (const name of ['in10', 'in6', 'in2'] as const) {
      const texts = smsTo(people[name].phone);
      expect(texts).toHaveLength(1);
      expect(texts[0]?.body).toMatch(
        /^Blink: your Windows password expires \w{3} \d{1,2} \w{3} \d{2}:\d{2} CES?T\. Change it: Ctrl-Alt-Del > Change a password, or text RESET to \+18553917277 for a new one\.$/,
      );
      expect(texts[0]?.body.length).toBeLessThanOrEqual(160);
    }
    const email = (await emailsTo(people.in2.mail))[0];
    expect(email?.text).toContain('press Ctrl-Alt-Del and choose "Change a password"');
    expect(email?.html).toContain('<p>');

    // The reminder log holds one item per user, expiry and step.
    const expiry = async (name: keyof typeof people) => {
      const { expiring } = await directory.scanPasswordExpiries({
        now: clock.now(),
        horizonDays: 14,
        pageSize: 500,
        timeBudgetMs: 20_000,
      });
      const found = expiring.find((entry) => entry.objectGuid === people[name].guid);
      if (!found) throw new Error(`${name} not expiring`);
      return found.expiresAt;
    };
    // The SMS went by its own paced job (counted above); the reminder records that it was queued.
    expect(
      await reminderLog.find({ userGuid: people.in10.guid, expiresAt: await expiry('in10'), step: 14 }),
    ).toMatchObject({ email: 'sent', sms: 'queued' });
    expect(
      await reminderLog.find({ userGuid: people.in6.guid, expiresAt: await expiry('in6'), step: 7 }),
    ).toMatchObject({ email: 'sent', sms: 'queued' });
    expect(
      await reminderLog.find({ userGuid: people.in2.guid, expiresAt: await expiry('in2'), step: 3 }),
    ).toMatchObject({ email: 'sent', sms: 'queued' });

    // Run again the same day: nothing new.
    await runJobTwice();
    for (const name of ['in10', 'in6', 'in2'] as const) {
      expect(await emailsTo(people[name].mail)).toHaveLength(1);
      expect(smsTo(people[name].phone)).toHaveLength(1);
    }
  });

  it('sends the next step days later (job queued through the console route), and nothing once the password has expired', async () => {
    // Four days on: 10 → 6 days left (the 7-day step), 6 → 2 (the 3-day step), 2 → expired.
    clock.offsetMs = 4 * DAY_MS;
    const queued = await fetch(`${blink.url}/_local/api/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'password-expiry-scan' }),
    });
    expect(queued.status).toBe(202);
    const consoleEmails = async (mail: string) =>
      ((await (await fetch(`${blink.url}/_local/api/email`)).json()) as Array<{ to: string; subject: string }>).filter(
        (email) => email.to === mail,
      );
    await pollUntil(async () => ((await consoleEmails(people.in6.mail)).length === 2 ? true : undefined), {
      timeoutMs: 20_000,
      description: 'the second reminder',
    });
    await jobQueueDrained(blink);
    const subjects = async (name: keyof typeof people) =>
      (await consoleEmails(people[name].mail)).map((email) => email.subject);
    expect(await subjects('in10')).toEqual([
      'Blink: your Windows password expires in 10 days',
      'Blink: your Windows password expires in 6 days',
    ]);
    expect(await subjects('in6')).toEqual([
      'Blink: your Windows password expires in 6 days',
      'Blink: your Windows password expires in 2 days',
    ]);
    expect(await subjects('in2')).toEqual(['Blink: your Windows password expires in 2 days']);
    const consoleSms = (await (await fetch(`${blink.url}/_local/api/sms`)).json()) as Array<{ to: string }>;
    expect(consoleSms.filter((sms) => sms.to === people.in10.phone)).toHaveLength(2);
    expect(consoleSms.filter((sms) => sms.to === people.in2.phone)).toHaveLength(1);
    expect(await (await fetch(`${blink.url}/_local`)).text()).toContain('Send expiry reminders now');
  });
});

// The demo directory constructs msDS-UserPasswordExpiryTimeComputed as AD does (pwdLastSet + maxPwdAge, 90 days there),
// so the console's "Send expiry reminders now" works without a DC: 85 days after the start, its users have 5 days left.
describe('password-expiry reminders on the demo directory', () => {
  const clock = new OffsetClock();
  const blink = useLocalBlink({ clock });

  it('reminds an enrolled demo user whose password expires within the steps', async () => {
    const jane = await enrollDirectoryUser(blink.composition.adapters, 'jane.doe', '+14155550100');
    clock.offsetMs = 85 * DAY_MS;
    await blink.composition.adapters.jobQueue.enqueue({
      kind: 'password-expiry-scan',
      jobId: randomUUID(),
      requestedAt: clock.now().toISOString(),
    });
    await jobQueueDrained(blink);
    expect(await queueDepth(blink, blink.queue.deadLetterQueueUrl)).toBe(0);
    const emails = (await blink.listEmails()).filter((email) => email.to === jane.mail);
    expect(emails.map((email) => email.subject)).toEqual(['Blink: your Windows password expires in 5 days']);
    // SMS is off by default: email only.
    expect(blink.listSms().filter((sms) => sms.to === '+14155550100')).toEqual([]);
  });
});
