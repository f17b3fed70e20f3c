import { randomUUID } from 'node:crypto';
import { ManualClock } from '../support/manual-clock.js';
import { createSnsSigner, signedSnsMessage, type SnsSigner } from '../support/sns-signing.js';
import { freshPhone, PUBLISHED, useInboundSmsBlink } from './support/inbound-sms.js';

// POST /sns/inbound-sms through the local runtime (HTTP bridge → api handler → verifier → the inbound SMS use case).
// SNS is played by a test key: its certificate is served by the injected HTTPS fetcher at an SNS-looking URL.

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:blink-inbound-sms';
const CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem';
const SUBSCRIBE_URL = `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(TOPIC)}&Token=tok`;

let signer: SnsSigner;
let impostor: SnsSigner;
const fetched: string[] = [];
const clock = new ManualClock(new Date());

beforeAll(async () => {
  [signer, impostor] = await Promise.all([createSnsSigner(), createSnsSigner()]);
});
const inbound = useInboundSmsBlink({
  // Confirmation (the default) off: a RESET queues its job at once, which shows the route reached the use case.
  env: {
    RESET_CONFIRMATION: 'false',
    SNS_HTTPS_TOPIC_ARNS: `${TOPIC},arn:aws:sns:us-east-1:123456789012:blink-spare`,
  },
  clock,
  fetchHttps: async (url) => {
    fetched.push(url);
    if (url.endsWith('.pem')) return signer.certificatePem;
    return '<ConfirmSubscriptionResponse/>';
  },
});
const { blink, logs } = inbound;

beforeEach(() => {
  fetched.length = 0;
});

function inboundNotification(from: string, body: string, overrides: Record<string, string> = {}) {
  const inboundMessageId = randomUUID();
  const fields = {
    Type: 'Notification',
    MessageId: randomUUID(),
    TopicArn: TOPIC,
    Message: JSON.stringify({
      originationNumber: from,
      destinationNumber: PUBLISHED,
      messageKeyword: 'RESET',
      messageBody: body,
      inboundMessageId,
    }),
    Timestamp: clock.now().toISOString(),
    UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x',
    ...overrides,
  };
  return { inboundMessageId, fields };
}

async function deliver(
  message: unknown,
  type = 'Notification',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${blink.url}/sns/inbound-sms`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': type },
    body: typeof message === 'string' ? message : JSON.stringify(message),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('POST /sns/inbound-sms', () => {
  it.each(['1', '2'] as const)(
    'acts on a notification signed with SignatureVersion %s like on the Lambda path',
    async (version) => {
      const user = await inbound.enrolledUser();
      const { inboundMessageId, fields } = inboundNotification(user.phone, ' Reset! ');
      const answer = await deliver(signedSnsMessage(signer, fields, { version, certUrl: CERT_URL }));
      expect(answer.status).toBe(200);
      expect(inbound.outcomeOf(inboundMessageId)).toBe('job-enqueued');
      expect(await inbound.workerStartedJobOf(inboundMessageId)).toBe('reset');
      expect((await inbound.auditOf(user.userGuid)).map((event) => event.action)).toContain('reset-requested');
    },
  );

  it('fetches the signing certificate once and keeps it', async () => {
    const user = await inbound.enrolledUser();
    const certUrl = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-once.pem';
    for (const body of ['HELP', 'HELP']) {
      const { fields } = inboundNotification(user.phone, body);
      expect((await deliver(signedSnsMessage(signer, fields, { certUrl }))).status).toBe(200);
    }
    expect(fetched.filter((url) => url === certUrl)).toHaveLength(1);
    expect(inbound.smsTo(user.phone)).toHaveLength(2);
  });

  it('acts once on a notification delivered twice', async () => {
    const user = await inbound.enrolledUser();
    const { inboundMessageId, fields } = inboundNotification(user.phone, 'RESET');
    const message = signedSnsMessage(signer, fields, { certUrl: CERT_URL });
    expect((await deliver(message)).status).toBe(200);
    expect((await deliver(message)).status).toBe(200);
    expect(inbound.outcomeOf(inboundMessageId)).toBe('duplicate');
    await inbound.workerStartedJobOf(inboundMessageId);
    expect((await inbound.auditOf(user.userGuid)).filter((event) => event.action === 'reset-requested')).toHaveLength(
      1,
    );
  });

  it('confirms a subscription by fetching its SubscribeURL, after verifying the message', async () => {
    const fields = {
      Type: 'SubscriptionConfirmation',
      MessageId: randomUUID(),
      Token: 'tok',
      TopicArn: TOPIC,
      Message: 'You have chosen to subscribe to the topic.',
      SubscribeURL: SUBSCRIBE_URL,
      Timestamp: clock.now().toISOString(),
    };
    const answer = await deliver(signedSnsMessage(signer, fields, { certUrl: CERT_URL }), 'SubscriptionConfirmation');
    expect(answer).toEqual({ status: 200, body: { confirmed: true } });
    expect(fetched).toContain(SUBSCRIBE_URL);

    fetched.length = 0;
    const forged = {
      ...signedSnsMessage(signer, fields, { certUrl: CERT_URL }),
      SubscribeURL: 'https://evil.example/?Action=ConfirmSubscription',
    };
    expect((await deliver(forged, 'SubscriptionConfirmation')).status).toBe(403);
    const foreign = signedSnsMessage(
      signer,
      { ...fields, SubscribeURL: 'https://evil.example/?Action=ConfirmSubscription' },
      { certUrl: CERT_URL },
    );
    expect((await deliver(foreign, 'SubscriptionConfirmation')).status).toBe(403);
    expect(fetched.filter((url) => url.includes('evil'))).toEqual([]);
  });

  describe('refuses with a 4xx and enqueues nothing', () => {
    interface Case {
      name: string;
      status: number;
      make: (fields: Record<string, string>) => unknown;
    }
    const cases: Case[] = [
      {
        name: 'a tampered message',
        status: 403,
        make: (f) => ({
          ...signedSnsMessage(signer, f, { certUrl: CERT_URL }),
          Message: f.Message?.replace('RESET', 'UNLOCK'),
        }),
      },
      {
        name: 'a message signed by another key',
        status: 403,
        make: (f) => signedSnsMessage(impostor, f, { certUrl: CERT_URL }),
      },
      {
        name: 'a topic not in SNS_HTTPS_TOPIC_ARNS',
        status: 403,
        make: (f) =>
          signedSnsMessage(
            signer,
            { ...f, TopicArn: 'arn:aws:sns:us-east-1:123456789012:other' },
            { certUrl: CERT_URL },
          ),
      },
      {
        name: 'a certificate on a foreign host',
        status: 403,
        make: (f) =>
          signedSnsMessage(signer, f, { certUrl: 'https://sns.us-east-1.amazonaws.com.evil.example/cert.pem' }),
      },
      {
        name: 'a certificate over http',
        status: 403,
        make: (f) => signedSnsMessage(signer, f, { certUrl: 'http://sns.us-east-1.amazonaws.com/cert.pem' }),
      },
      {
        name: 'a bad signature version',
        status: 403,
        make: (f) => ({ ...signedSnsMessage(signer, f, { certUrl: CERT_URL }), SignatureVersion: '3' }),
      },
      { name: 'an unsigned message', status: 400, make: (f) => f },
      { name: 'a body that is not JSON', status: 400, make: () => 'RESET' },
    ];

    it.each(cases)('$name', async ({ status, make }) => {
      const user = await inbound.enrolledUser();
      const { inboundMessageId, fields } = inboundNotification(user.phone, 'RESET');
      const answer = await deliver(make(fields));
      expect(answer.status).toBe(status);
      expect(answer.body).toEqual({
        error: { code: status === 403 ? 'SIGNATURE_INVALID' : 'VALIDATION_FAILED', message: expect.any(String) },
      });
      expect(inbound.outcomeOf(inboundMessageId)).toBeUndefined();
      expect(await inbound.auditOf(user.userGuid)).toEqual([]);
      expect(fetched.filter((url) => !url.startsWith('https://sns.us-east-1.amazonaws.com/'))).toEqual([]);

      // A correct delivery afterwards is started by the worker; the refused one never was.
      const control = inboundNotification(user.phone, 'RESET');
      expect((await deliver(signedSnsMessage(signer, control.fields, { certUrl: CERT_URL }))).status).toBe(200);
      await inbound.workerStartedJobOf(control.inboundMessageId);
      expect(inbound.workerStartedAnyJobOf(inboundMessageId)).toBe(false);
    });

    it('a signed notification that is not an inbound SMS, and a type header that does not match', async () => {
      const user = await inbound.enrolledUser();
      const { fields } = inboundNotification(user.phone, 'RESET', { Message: 'not json' });
      expect((await deliver(signedSnsMessage(signer, fields, { certUrl: CERT_URL }))).status).toBe(400);
      const good = inboundNotification(user.phone, 'RESET');
      expect(
        (await deliver(signedSnsMessage(signer, good.fields, { certUrl: CERT_URL }), 'SubscriptionConfirmation'))
          .status,
      ).toBe(400);
      expect(inbound.outcomeOf(good.inboundMessageId)).toBeUndefined();
      expect(await inbound.auditOf(user.userGuid)).toEqual([]);
    });
  });

  it('logs no message text', async () => {
    const stranger = freshPhone();
    const { fields } = inboundNotification(stranger, 'secret words Quartz-Lily-19');
    expect((await deliver(signedSnsMessage(signer, fields, { certUrl: CERT_URL }))).status).toBe(200);
    expect(logs.text()).not.toContain('Quartz-Lily-19');
    expect(logs.lines().length).toBeGreaterThan(0);
  });
});
