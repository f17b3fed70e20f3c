import { randomUUID } from 'node:crypto';
import {
  HELP_REPLIES_PER_DAY,
  UNKNOWN_SENDER_REPLIES_PER_HOUR,
} from '../../shared/use-cases/inbound-sms/handle-inbound-sms.js';
import { ManualClock } from '../support/manual-clock.js';
import { pollUntil } from '../support/poll.js';
import { freshPhone, PUBLISHED, SECOND_PUBLISHED, useInboundSmsBlink } from './support/inbound-sms.js';

// Inbound SMS commands end to end through the local runtime: the inbound route wraps the text in an SNS event for the
// inbound-sms handler, the use case acts on dynalite, the SMS stand-in and the job queue (fauxqs), and the directory
// worker picks the job up. Enrollments are written straight to the store for made-up users: no AD contact needed.

const HELP =
  'Blink: text RESET for a new Windows password or UNLOCK to unlock your account. Msg&data rates may apply. Text STOP to opt out.';
const NOT_SET_UP = 'Blink: this number is not set up for password resets. Contact your IT service desk.';

// Limits count per sliding hour and day: each test starts at 01:00 of a day of its own.
const clock = new ManualClock('2026-03-01T01:00:00.000Z');
const inbound = useInboundSmsBlink({
  env: {
    // These tests are about commands acting on the sender number: confirmation (the default) is off here and tested
    // in inbound-sms-confirmation.test.ts.
    RESET_CONFIRMATION: 'false',
    RESETS_PER_DAY: '5',
    SMS_RESET_KEYWORDS: 'PASSWORD, nouveau mot',
    SMS_UNLOCK_KEYWORDS: 'UNBLOCK',
    SMS_HELP_KEYWORDS: 'AIDE',
  },
  clock,
});
const { blink, logs, expectHandled } = inbound;

async function requestsInAudit(userGuid: string) {
  return (await inbound.auditOf(userGuid)).filter((event) => /-requested$/.test(event.action));
}

describe('inbound SMS commands', () => {
  it.each([
    ['RESET', 'reset'],
    [' reset! ', 'reset'],
    ['Reset.', 'reset'],
    ['re set', 'reset'],
    ['password', 'reset'],
    ['Nouveau mot!', 'reset'],
    ['unlock', 'unlock'],
    ['Unblock?', 'unlock'],
  ])(
    '"%s" from the enrolled phone queues a %s job the worker picks up, with no reply of its own',
    async (body, kind) => {
      const user = await inbound.enrolledUser();
      const id = await expectHandled(user.phone, body, 'job-enqueued');
      expect(await inbound.workerStartedJobOf(id)).toBe(kind);
      const audit = await requestsInAudit(user.userGuid);
      expect(audit).toEqual([
        expect.objectContaining({ action: `${kind}-requested`, channel: 'sms', result: 'success' }),
      ]);
      // No acknowledgement: the first SMS the number gets is the worker's answer, never one from the use case.
      expect(inbound.smsTo(user.phone).filter((sms) => sms.body === HELP || sms.body.includes('too many'))).toEqual([]);
    },
  );

  it('answers HELP, its aliases and unknown words with the help text from the number texted, and queues nothing', async () => {
    const user = await inbound.enrolledUser();
    for (const body of ['HELP', 'info', 'Aide.', 'hello zebra-42'])
      await expectHandled(user.phone, body, 'help', { to: SECOND_PUBLISHED });
    expect(inbound.smsTo(user.phone)).toEqual(
      Array.from({ length: 4 }, () => expect.objectContaining({ body: HELP, from: SECOND_PUBLISHED })),
    );
    expect(await requestsInAudit(user.userGuid)).toEqual([]);
    expect(logs.text()).not.toContain('zebra-42');
  });

  it("answers from the number the user texted: the worker's answer and the limit notice too, not only the help text", async () => {
    const user = await inbound.enrolledUser();
    // A made-up user the demo directory does not know: the worker's answer is its refusal SMS.
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(await expectHandled(user.phone, 'RESET', 'job-enqueued', { to: SECOND_PUBLISHED }));
    await expectHandled(user.phone, 'RESET', 'rate-limited', { to: SECOND_PUBLISHED });
    for (const id of ids) await inbound.workerStartedJobOf(id);
    const answers = await pollUntil(
      async () => {
        const sent = inbound.smsTo(user.phone);
        return sent.filter((sms) => sms.body.startsWith('Blink: we could not reset')).length === 3 ? sent : undefined;
      },
      { timeoutMs: 10_000, description: 'the worker to answer three resets' },
    );
    expect(answers).toHaveLength(4);
    expect(answers.map((sms) => sms.from)).toEqual([
      SECOND_PUBLISHED,
      SECOND_PUBLISHED,
      SECOND_PUBLISHED,
      SECOND_PUBLISHED,
    ]);
  });

  it(`answers at most ${HELP_REPLIES_PER_DAY} help texts a day to an enrolled number, says so once, then nothing; commands still work`, async () => {
    const user = await inbound.enrolledUser();
    const outcomes: string[] = [];
    for (let i = 0; i < 15; i++) {
      const sent = await inbound.text(user.phone, i % 2 === 0 ? 'HELP' : `what ${i}`);
      outcomes.push(inbound.outcomeOf(sent.inboundMessageId) ?? 'none');
    }
    expect(outcomes).toEqual([
      ...Array.from({ length: HELP_REPLIES_PER_DAY }, () => 'help'),
      ...Array.from({ length: 15 - HELP_REPLIES_PER_DAY }, () => 'help-capped'),
    ]);
    expect(inbound.smsTo(user.phone).map((sms) => sms.body)).toEqual([
      ...Array.from({ length: HELP_REPLIES_PER_DAY }, () => HELP),
      'Blink: no more replies to other messages today. RESET and UNLOCK still work. Text STOP to opt out.',
    ]);
    await inbound.workerStartedJobOf(await expectHandled(user.phone, 'RESET', 'job-enqueued'));
    clock.advanceSeconds(24 * 3600);
    await expectHandled(user.phone, 'HELP', 'help');
  });

  it.each(['STOP', 'Stop.', 'unsubscribe', 'QUIT'])(
    '"%s" records an opt-out and sends nothing; RESET or HELP are then ignored (no job, no SMS); START opts in and RESET works',
    async (stopWord) => {
      const user = await inbound.enrolledUser();
      await expectHandled(user.phone, stopWord, 'opted-out');
      expect(await blink.composition.adapters.optOutList.isOptedOut(user.phone)).toBe(true);
      const ignored = [
        await expectHandled(user.phone, 'RESET', 'sender-opted-out'),
        await expectHandled(user.phone, 'HELP', 'sender-opted-out'),
      ];
      expect(inbound.smsTo(user.phone)).toEqual([]);
      expect(await requestsInAudit(user.userGuid)).toEqual([]);

      await expectHandled(user.phone, 'START', 'opted-in');
      expect(await blink.composition.adapters.optOutList.isOptedOut(user.phone)).toBe(false);
      expect(inbound.smsTo(user.phone)).toEqual([
        expect.objectContaining({ body: 'You will receive messages from Blink again.', from: PUBLISHED }),
      ]);
      const id = await expectHandled(user.phone, 'RESET', 'job-enqueued');
      expect(await inbound.workerStartedJobOf(id)).toBe('reset');
      // The job of the later RESET was started: the ignored messages, sent earlier, never made one.
      for (const earlier of ignored) expect(inbound.workerStartedAnyJobOf(earlier)).toBe(false);
      const actions = (await inbound.auditOf(user.userGuid)).map((event) => event.action);
      expect(actions).toEqual(expect.arrayContaining(['opt-out', 'opt-in', 'reset-requested']));
    },
  );

  it('UNSTOP opts in too; an opt-out from a number nobody enrolled is kept as well', async () => {
    const stranger = freshPhone();
    await expectHandled(stranger, 'stop', 'opted-out');
    expect(await blink.composition.adapters.optOutList.isOptedOut(stranger)).toBe(true);
    await expectHandled(stranger, 'RESET', 'sender-opted-out');
    expect(inbound.smsTo(stranger)).toEqual([]);
    await expectHandled(stranger, 'Unstop', 'opted-in');
    expect(await blink.composition.adapters.optOutList.isOptedOut(stranger)).toBe(false);
    expect(inbound.smsTo(stranger)).toEqual([
      expect.objectContaining({ body: 'You will receive messages from Blink again.' }),
    ]);
  });
});

describe('senders that may not reset by SMS', () => {
  it('stops generic replies to unknown numbers at the deployment-wide hourly ceiling, and resumes the next hour', async () => {
    const strangers = Array.from({ length: UNKNOWN_SENDER_REPLIES_PER_HOUR + 1 }, () => freshPhone());
    for (const stranger of strangers) await expectHandled(stranger, 'RESET', 'unknown-sender');
    const replied = strangers.filter((stranger) => inbound.smsTo(stranger).length > 0);
    expect(replied).toEqual(strangers.slice(0, UNKNOWN_SENDER_REPLIES_PER_HOUR));
    expect(
      logs
        .lines()
        .some(
          (line) =>
            line.message === 'generic reply to an unknown sender withheld: deployment-wide hourly ceiling reached',
        ),
    ).toBe(true);
    clock.advanceSeconds(3600);
    const nextHour = freshPhone();
    await expectHandled(nextHour, 'RESET', 'unknown-sender');
    expect(inbound.smsTo(nextHour)).toEqual([expect.objectContaining({ body: NOT_SET_UP })]);
  });

  it('an unknown number gets one generic reply per (UTC) day, whatever it texts, then silence; no job, no audit', async () => {
    const stranger = freshPhone();
    const ids = [
      await expectHandled(stranger, 'RESET', 'unknown-sender'),
      await expectHandled(stranger, 'UNLOCK', 'unknown-sender'),
      await expectHandled(stranger, 'HELP', 'unknown-sender'),
    ];
    expect(inbound.smsTo(stranger)).toEqual([expect.objectContaining({ body: NOT_SET_UP, from: PUBLISHED })]);
    clock.advanceSeconds(22 * 3600); // 23:00, the same day
    ids.push(await expectHandled(stranger, 'RESET', 'unknown-sender'));
    expect(inbound.smsTo(stranger)).toHaveLength(1);
    clock.advanceSeconds(2 * 3600); // 01:00 the next day
    ids.push(await expectHandled(stranger, 'RESET', 'unknown-sender'));
    expect(inbound.smsTo(stranger)).toEqual([
      expect.objectContaining({ body: NOT_SET_UP }),
      expect.objectContaining({ body: NOT_SET_UP }),
    ]);

    // A control request queued after them is started by the worker; none of the stranger's messages made a job.
    const control = await inbound.enrolledUser();
    await inbound.workerStartedJobOf(await expectHandled(control.phone, 'RESET', 'job-enqueued'));
    for (const id of ids) expect(inbound.workerStartedAnyJobOf(id)).toBe(false);
  });

  it.each([
    ['a revoked enrollment', { status: 'revoked' as const }],
    ['an enrollment that is still being set up', { status: 'activated' as const }],
    ['an app-only enrollment', { methods: { sms: false, app: true } }],
  ])('the phone of %s is treated as unknown', async (_case, overrides) => {
    const user = await inbound.enrolledUser(overrides);
    await expectHandled(user.phone, 'RESET', 'unknown-sender');
    expect(inbound.smsTo(user.phone)).toEqual([expect.objectContaining({ body: NOT_SET_UP })]);
    expect(await requestsInAudit(user.userGuid)).toEqual([]);
  });

  it('a number shared by two active enrollments resets neither', async () => {
    const first = await inbound.enrolledUser();
    const second = await inbound.enrolledUser({ phoneE164: first.phone });
    await expectHandled(first.phone, 'RESET', 'unknown-sender');
    expect(await requestsInAudit(first.userGuid)).toEqual([]);
    expect(await requestsInAudit(second.userGuid)).toEqual([]);
  });
});

describe('per-account limits', () => {
  it('allows RESETS_PER_HOUR requests (UNLOCK counts too), then one notice per kind of request saying when to try again, then silence', async () => {
    const user = await inbound.enrolledUser();
    const allowed = [await expectHandled(user.phone, 'RESET', 'job-enqueued')];
    clock.advanceSeconds(20 * 60); // the first request leaves the sliding hour in 40 minutes
    allowed.push(
      await expectHandled(user.phone, 'UNLOCK', 'job-enqueued'),
      await expectHandled(user.phone, 'RESET', 'job-enqueued'),
    );
    const refused = [
      await expectHandled(user.phone, 'RESET', 'rate-limited'),
      await expectHandled(user.phone, 'RESET', 'rate-limited'),
      await expectHandled(user.phone, 'UNLOCK', 'rate-limited'),
      await expectHandled(user.phone, 'UNLOCK', 'rate-limited'),
    ];
    // Once for RESET and once for UNLOCK: a user told about RESET is not left in silence when they try UNLOCK.
    const notices = inbound.smsTo(user.phone).filter((sms) => sms.body.startsWith('Blink: too many requests'));
    const notice = expect.objectContaining({
      body: 'Blink: too many requests for this account. Try again in 40 minutes.',
    });
    expect(notices).toEqual([notice, notice]);
    expect(await inbound.workerStartedJobOf(allowed[2] ?? '')).toBe('reset');
    for (const id of allowed.slice(0, 2)) expect(await inbound.workerStartedJobOf(id)).toMatch(/^(reset|unlock)$/);
    for (const id of refused) expect(inbound.workerStartedAnyJobOf(id)).toBe(false);
    const audit = await requestsInAudit(user.userGuid);
    expect(audit.filter((event) => event.result === 'success')).toHaveLength(3);
    expect(audit.filter((event) => event.result === 'refused' && event.reason === 'rate-limited')).toHaveLength(4);
  });

  it('allows RESETS_PER_DAY (5 here) across hours, then refuses until the next day', async () => {
    const user = await inbound.enrolledUser();
    for (const body of ['RESET', 'RESET', 'RESET']) await expectHandled(user.phone, body, 'job-enqueued');
    clock.advanceSeconds(3600);
    for (const body of ['RESET', 'UNLOCK']) await expectHandled(user.phone, body, 'job-enqueued');
    await expectHandled(user.phone, 'RESET', 'rate-limited');
    // The day is a sliding 24 hours: the first three requests, an hour ago, leave it in 23 hours.
    expect(inbound.smsTo(user.phone).filter((sms) => sms.body.startsWith('Blink: too many requests'))).toEqual([
      expect.objectContaining({ body: 'Blink: too many requests for this account. Try again in 23 hours.' }),
    ]);
    clock.advanceSeconds(22 * 3600);
    await expectHandled(user.phone, 'RESET', 'rate-limited');
    clock.advanceSeconds(3600);
    await expectHandled(user.phone, 'RESET', 'job-enqueued');
  });

  it('counts per account: another user is not affected', async () => {
    const busy = await inbound.enrolledUser();
    const other = await inbound.enrolledUser();
    for (let i = 0; i < 3; i++) await expectHandled(busy.phone, 'RESET', 'job-enqueued');
    await expectHandled(busy.phone, 'RESET', 'rate-limited');
    await expectHandled(other.phone, 'RESET', 'job-enqueued');
  });
});

describe('delivery', () => {
  it('acts once on a message delivered twice, also at the same time', async () => {
    const user = await inbound.enrolledUser();
    const inboundMessageId = randomUUID();
    const results = await Promise.all([0, 1, 2].map(() => inbound.text(user.phone, 'RESET', { inboundMessageId })));
    expect(results.map((result) => result.status)).toEqual([202, 202, 202]);
    const outcomes = logs
      .lines()
      .filter(
        (line) =>
          line.inboundMessageId === inboundMessageId &&
          /^(inbound SMS handled|inbound SMS already handled)$/.test(String(line.message)),
      );
    expect(outcomes.map((line) => line.message).sort()).toEqual([
      'inbound SMS already handled',
      'inbound SMS already handled',
      'inbound SMS handled',
    ]);
    await expectHandled(user.phone, 'RESET', 'duplicate', { inboundMessageId });
    expect(await inbound.workerStartedJobOf(inboundMessageId)).toBe('reset');
    expect(await requestsInAudit(user.userGuid)).toHaveLength(1);

    const help = randomUUID();
    await expectHandled(user.phone, 'HELP', 'help', { inboundMessageId: help });
    await expectHandled(user.phone, 'HELP', 'duplicate', { inboundMessageId: help });
    expect(inbound.smsTo(user.phone).filter((sms) => sms.body === HELP)).toHaveLength(1);
  });

  it('ignores a message to a number that is not one of ours: no reply, no job, and its id stays unused', async () => {
    const user = await inbound.enrolledUser();
    const inboundMessageId = randomUUID();
    await expectHandled(user.phone, 'RESET', 'not-our-number', { to: '+12125550100', inboundMessageId });
    expect(inbound.smsTo(user.phone)).toEqual([]);
    expect(await requestsInAudit(user.userGuid)).toEqual([]);
    await expectHandled(user.phone, 'RESET', 'job-enqueued', { to: SECOND_PUBLISHED, inboundMessageId });
  });

  it('fails the delivery when a reply cannot be sent, and acts on the retry of the same message', async () => {
    const user = await inbound.enrolledUser();
    const inboundMessageId = randomUUID();
    // The SDK client tries 3 times: all of them fail.
    blink.smsStandIn.failNext({ type: 'InternalServerException', status: 500, to: user.phone }, 3);
    const failed = await inbound.text(user.phone, 'HELP', { inboundMessageId });
    expect(failed.status).toBe(500);
    expect(inbound.smsTo(user.phone)).toEqual([]);
    // SNS delivers the message again: it is acted on, not dropped as a duplicate.
    await expectHandled(user.phone, 'HELP', 'help', { inboundMessageId });
    expect(inbound.smsTo(user.phone)).toEqual([expect.objectContaining({ body: HELP })]);
    await expectHandled(user.phone, 'HELP', 'duplicate', { inboundMessageId });
  });

  it('keeps an opt-out the carrier reports on a reply, and starts nothing for that number afterwards', async () => {
    const user = await inbound.enrolledUser();
    blink.smsStandIn.optOut(user.phone);
    await expectHandled(user.phone, 'HELP', 'help');
    expect(await blink.composition.adapters.optOutList.isOptedOut(user.phone)).toBe(true);
    await expectHandled(user.phone, 'RESET', 'sender-opted-out');
    expect(await requestsInAudit(user.userGuid)).toEqual([]);
  });

  it('logs ids and outcomes, never the text of a message', async () => {
    const user = await inbound.enrolledUser();
    const body = 'my password is Tulip-Harbor-77';
    const id = await expectHandled(user.phone, body, 'help');
    expect(logs.lines().filter((line) => line.inboundMessageId === id).length).toBeGreaterThan(0);
    expect(logs.text()).not.toContain('Tulip-Harbor-77');
  });

  it('has no SNS HTTPS route unless SNS_HTTPS_TOPIC_ARNS is set', async () => {
    const response = await fetch(`${blink.url}/sns/inbound-sms`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
  });
});
