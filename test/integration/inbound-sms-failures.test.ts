import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse } from 'aws-lambda';
import { inboundSmsFailureRecord } from '../../local/stand-ins/lambda-failure-record.js';
import type { InboundSms } from '../../shared/domain/inbound-sms.js';
import { pollUntil } from '../support/poll.js';
import { freshPhone, PUBLISHED, SECOND_PUBLISHED, useInboundSmsBlink } from './support/inbound-sms.js';

// "Nothing lost, user told": an inbound SMS whose handling failed every attempt reaches the inbound-sms handler again
// as Lambda's invocation record, through its failure queue's event source. Here the record is fed the way that event
// source would (the local runtime has no SNS retries), and the use case works on dynalite and the SMS stand-in.

const APOLOGY =
  'Blink: we could not act on your message. Nothing was changed. Please text RESET again in a few minutes.';

// Confirmation (the default) off: a RESET queues its job at once (one test needs a job that ran).
const inbound = useInboundSmsBlink({ env: { RESET_CONFIRMATION: 'false' } });
const { blink, logs } = inbound;

function inboundSms(from: string, body: string, overrides: Partial<InboundSms> = {}): InboundSms {
  return {
    originationNumber: from,
    destinationNumber: PUBLISHED,
    messageKeyword: 'KEYWORD',
    messageBody: body,
    inboundMessageId: randomUUID(),
    ...overrides,
  };
}

/** Feeds one SQS batch of failure records; answers the ids of the records that failed (they would come back). */
async function deliver(records: string[], receiveCount = 1): Promise<number> {
  const response = (await blink.composition.deliverInboundSmsFailures(records, receiveCount)) as SQSBatchResponse;
  return response.batchItemFailures.length;
}

/** What the failure use case said it did with a message, from its log lines (duplicates included). */
function failureOutcomes(inboundMessageId: string): string[] {
  return logs
    .lines()
    .filter((line) => line.inboundMessageId === inboundMessageId)
    .flatMap((line) =>
      line.message === 'given-up inbound SMS handled'
        ? [String(line.outcome)]
        : line.message === 'given-up inbound SMS already handled'
          ? ['duplicate']
          : [],
    );
}

async function failureAudit(userGuid: string) {
  return (await inbound.auditOf(userGuid)).filter((event) => event.action === 'inbound-failed');
}

describe('an inbound SMS Blink gave up on', () => {
  it('gets the enrolled sender exactly one apology, from the number texted, however often the record is delivered', async () => {
    const user = await inbound.enrolledUser();
    const message = inboundSms(user.phone, 'RESET', { destinationNumber: SECOND_PUBLISHED });
    const record = inboundSmsFailureRecord(message);
    // Twice in one batch (processed concurrently), then once more later, as SQS may redeliver.
    expect(await deliver([record, record])).toBe(0);
    expect(await deliver([record], 2)).toBe(0);

    expect(inbound.smsTo(user.phone)).toEqual([expect.objectContaining({ body: APOLOGY, from: SECOND_PUBLISHED })]);
    expect(failureOutcomes(message.inboundMessageId).sort()).toEqual(['apology-sent', 'duplicate', 'duplicate']);
    expect(await failureAudit(user.userGuid)).toEqual([
      expect.objectContaining({
        action: 'inbound-failed',
        channel: 'sms',
        result: 'failed',
        reason: 'sender-told',
        requestId: message.inboundMessageId,
      }),
    ]);
  });

  it("sends nothing to an opted-out sender (ours or the carrier's list), and still keeps the event for the user", async () => {
    const optedOut = await inbound.enrolledUser();
    await blink.composition.adapters.optOutList.optOut(optedOut.phone, new Date());
    const first = inboundSms(optedOut.phone, 'UNLOCK');
    expect(await deliver([inboundSmsFailureRecord(first)])).toBe(0);
    expect(failureOutcomes(first.inboundMessageId)).toEqual(['opted-out']);
    expect(inbound.smsTo(optedOut.phone)).toEqual([]);
    expect(await failureAudit(optedOut.userGuid)).toEqual([
      expect.objectContaining({ reason: 'opted-out', result: 'failed' }),
    ]);

    // Opted out with the carrier only: the send is refused, the opt-out is kept, and nothing reaches the phone.
    const carrierOptedOut = await inbound.enrolledUser();
    blink.smsStandIn.optOut(carrierOptedOut.phone);
    const second = inboundSms(carrierOptedOut.phone, 'RESET');
    expect(await deliver([inboundSmsFailureRecord(second)])).toBe(0);
    expect(failureOutcomes(second.inboundMessageId)).toEqual(['opted-out']);
    expect(inbound.smsTo(carrierOptedOut.phone)).toEqual([]);
    expect(await blink.composition.adapters.optOutList.isOptedOut(carrierOptedOut.phone)).toBe(true);
  });

  it('sends nothing to a number without exactly one active SMS enrollment, and audits nothing', async () => {
    const revoked = await inbound.enrolledUser({ status: 'revoked' });
    const appOnly = await inbound.enrolledUser({ methods: { sms: false, app: true } });
    const shared = freshPhone();
    const sharers = [
      await inbound.enrolledUser({ phoneE164: shared }),
      await inbound.enrolledUser({ phoneE164: shared }),
    ];
    const senders = [freshPhone(), revoked.phone, appOnly.phone, shared];
    const messages = senders.map((sender) => inboundSms(sender, 'RESET'));
    expect(await deliver(messages.map((message) => inboundSmsFailureRecord(message)))).toBe(0);

    for (const message of messages) expect(failureOutcomes(message.inboundMessageId)).toEqual(['unknown-sender']);
    for (const sender of senders) expect(inbound.smsTo(sender)).toEqual([]);
    for (const user of [revoked, appOnly, ...sharers]) expect(await failureAudit(user.userGuid)).toEqual([]);
  });

  it('ignores a message to a number that is not ours (the use case never acted on it)', async () => {
    const user = await inbound.enrolledUser();
    const message = inboundSms(user.phone, 'RESET', { destinationNumber: '+14155550100' });
    expect(await deliver([inboundSmsFailureRecord(message)])).toBe(0);
    expect(
      logs
        .lines()
        .some(
          (line) =>
            line.inboundMessageId === message.inboundMessageId &&
            line.message === 'given-up inbound SMS to a number that is not ours ignored',
        ),
    ).toBe(true);
    expect(inbound.smsTo(user.phone)).toEqual([]);
  });

  it('fails the record when the apology cannot be sent, and sends it on the redelivery', async () => {
    const user = await inbound.enrolledUser();
    const message = inboundSms(user.phone, 'RESET');
    const record = inboundSmsFailureRecord(message);
    // The SDK client tries 3 times: all of them fail, so the record goes back to the queue.
    blink.smsStandIn.failNext({ type: 'InternalServerException', status: 500, to: user.phone }, 3);
    expect(await deliver([record])).toBe(1);
    expect(inbound.smsTo(user.phone)).toEqual([]);

    expect(await deliver([record], 2)).toBe(0);
    expect(inbound.smsTo(user.phone)).toEqual([expect.objectContaining({ body: APOLOGY })]);
    expect(failureOutcomes(message.inboundMessageId)).toEqual(['apology-sent']);
  });

  it('fails a malformed record (so it is retried, then parked in the DLQ) without holding up the others', async () => {
    const user = await inbound.enrolledUser();
    const good = inboundSms(user.phone, 'RESET');
    const marker = 'Cedar-Window-51';
    const notAnSms = JSON.stringify({
      ...JSON.parse(inboundSmsFailureRecord(good)),
      requestPayload: { Records: [{ EventSource: 'aws:sns', Sns: { MessageId: 'm', Message: marker } }] },
    });
    expect(await deliver(['not json', notAnSms, inboundSmsFailureRecord(good)])).toBe(2);
    expect(inbound.smsTo(user.phone)).toEqual([expect.objectContaining({ body: APOLOGY })]);
    expect(
      logs
        .lines()
        .filter((line) => line.message === 'inbound SMS failure record refused: not a record of a failed inbound SMS'),
    ).toHaveLength(2);
    expect(logs.text()).not.toContain(marker);
  });

  it('logs ids and outcomes, never the text or the sender of the message', async () => {
    const user = await inbound.enrolledUser();
    const message = inboundSms(user.phone, 'my password is Tulip-Harbor-77');
    expect(await deliver([inboundSmsFailureRecord(message)])).toBe(0);
    expect(failureOutcomes(message.inboundMessageId)).toEqual(['apology-sent']);
    expect(logs.text()).not.toContain('Tulip-Harbor-77');
    expect(logs.text()).not.toContain(user.phone);
  });
});

describe('the whole path through the local runtime', () => {
  it('a HELP whose reply fails every attempt ends, through its invocation record, in one apology', async () => {
    const user = await inbound.enrolledUser();
    const inboundMessageId = randomUUID();
    // Each attempt of the HELP reply fails (3 SDK attempts each): the handler throws, as it would for SNS's retries.
    blink.smsStandIn.failNext({ type: 'InternalServerException', status: 500, to: user.phone }, 9);
    for (let attempt = 0; attempt < 3; attempt += 1)
      expect((await inbound.text(user.phone, 'HELP', { inboundMessageId })).status).toBe(500);
    expect(inbound.smsTo(user.phone)).toEqual([]);

    const given = inboundSms(user.phone, 'HELP', { inboundMessageId });
    expect(await deliver([inboundSmsFailureRecord(given)])).toBe(0);
    expect(inbound.smsTo(user.phone)).toEqual([expect.objectContaining({ body: APOLOGY, from: PUBLISHED })]);
  });

  it('does not claim "nothing was changed" when the request\'s job ran all the same', async () => {
    const user = await inbound.enrolledUser();
    const sent = await inbound.text(user.phone, 'RESET');
    expect(inbound.outcomeOf(sent.inboundMessageId)).toBe('job-enqueued');
    // A made-up user the demo directory does not know: the worker refuses it, tells the user and audits the job.
    expect(await inbound.workerStartedJobOf(sent.inboundMessageId)).toBe('reset');
    await pollUntil(
      async () => ((await inbound.auditOf(user.userGuid)).some((event) => event.action === 'reset') ? true : undefined),
      {
        timeoutMs: 10_000,
        description: 'the worker to audit the reset job',
      },
    );
    const before = inbound.smsTo(user.phone).length;

    const given = inboundSms(user.phone, 'RESET', { inboundMessageId: sent.inboundMessageId });
    expect(await deliver([inboundSmsFailureRecord(given)])).toBe(0);
    expect(failureOutcomes(sent.inboundMessageId)).toEqual(['request-went-through']);
    expect(inbound.smsTo(user.phone)).toHaveLength(before);
    expect(await failureAudit(user.userGuid)).toEqual([expect.objectContaining({ reason: 'request-went-through' })]);
  });
});
