import { randomUUID } from 'node:crypto';
import {
  SnsMessageVerifier,
  canonicalString,
  isSnsUrl,
  snsHttpMessageSchema,
} from '../../shared/adapters/sns/message-verifier.js';
import { ManualClock } from '../support/manual-clock.js';
import { createSnsSigner, signedSnsMessage, type SnsSigner } from '../support/sns-signing.js';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:blink-inbound-sms';
const OTHER_TOPIC = 'arn:aws:sns:us-east-1:123456789012:blink-other';
const CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem';
const SUBSCRIBE_URL = `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(TOPIC)}&Token=abc`;

let signer: SnsSigner;
let impostor: SnsSigner;
const clock = new ManualClock(new Date());

beforeAll(async () => {
  [signer, impostor] = await Promise.all([createSnsSigner(), createSnsSigner()]);
});

interface Setup {
  verifier: SnsMessageVerifier;
  fetched: string[];
}

function setup(options: { serve?: (url: string) => string; topics?: string[] } = {}): Setup {
  const fetched: string[] = [];
  const verifier = new SnsMessageVerifier({
    topicArns: options.topics ?? [TOPIC, OTHER_TOPIC],
    clock,
    maxAgeSeconds: 6 * 86_400,
    fetchText: async (url) => {
      fetched.push(url);
      return options.serve ? options.serve(url) : signer.certificatePem;
    },
  });
  return { verifier, fetched };
}

function notification(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    Type: 'Notification',
    MessageId: randomUUID(),
    TopicArn: TOPIC,
    Message: JSON.stringify({
      originationNumber: '+12065550123',
      destinationNumber: '+18553917277',
      messageBody: 'RESET',
      inboundMessageId: randomUUID(),
    }),
    Timestamp: clock.now().toISOString(),
    UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x',
    ...overrides,
  };
}

function confirmation(
  type: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation' = 'SubscriptionConfirmation',
  subscribeUrl = SUBSCRIBE_URL,
) {
  return {
    Type: type,
    MessageId: randomUUID(),
    Token: 'token-1234',
    TopicArn: TOPIC,
    Message:
      'You have chosen to subscribe to the topic. To confirm the subscription, visit the SubscribeURL included in this message.',
    SubscribeURL: subscribeUrl,
    Timestamp: clock.now().toISOString(),
  };
}

describe('SNS message verifier', () => {
  it.each(['1', '2'] as const)('accepts a Notification signed with SignatureVersion %s', async (version) => {
    const { verifier } = setup();
    const message = signedSnsMessage(signer, notification(), { version, certUrl: CERT_URL });
    await expect(verifier.verify(message)).resolves.toEqual({ ok: true, message: snsHttpMessageSchema.parse(message) });
  });

  it('accepts a Notification with a Subject (signed too) and subscription messages', async () => {
    const { verifier } = setup();
    expect(
      await verifier.verify(signedSnsMessage(signer, notification({ Subject: 'Inbound' }), { certUrl: CERT_URL })),
    ).toMatchObject({ ok: true });
    expect(
      await verifier.verify(signedSnsMessage(signer, confirmation(), { version: '1', certUrl: CERT_URL })),
    ).toMatchObject({ ok: true });
    expect(
      await verifier.verify(signedSnsMessage(signer, confirmation('UnsubscribeConfirmation'), { certUrl: CERT_URL })),
    ).toMatchObject({ ok: true });
  });

  it('refuses a message changed after signing, field by field', async () => {
    const { verifier } = setup();
    const message = signedSnsMessage(signer, notification({ Subject: 'Inbound' }), { certUrl: CERT_URL });
    for (const [field, value] of [
      ['Message', message.Message?.replace('RESET', 'UNLOCK')],
      ['MessageId', randomUUID()],
      ['Subject', 'Other'],
      ['Timestamp', new Date(clock.now().getTime() - 1000).toISOString()],
      ['TopicArn', OTHER_TOPIC],
      ['Signature', signer.sign(notification(), '2')],
    ] as const) {
      await expect(verifier.verify({ ...message, [field]: value })).resolves.toEqual({
        ok: false,
        reason: 'signature',
      });
    }
    const { Subject: _subject, ...withoutSubject } = message;
    await expect(verifier.verify(withoutSubject)).resolves.toEqual({ ok: false, reason: 'signature' });
  });

  it('refuses a signature made with SHA-1 but labelled version 2, and the other way round', async () => {
    const { verifier } = setup();
    const v1 = signedSnsMessage(signer, notification(), { version: '1', certUrl: CERT_URL });
    const v2 = signedSnsMessage(signer, notification(), { version: '2', certUrl: CERT_URL });
    await expect(verifier.verify({ ...v1, SignatureVersion: '2' })).resolves.toEqual({
      ok: false,
      reason: 'signature',
    });
    await expect(verifier.verify({ ...v2, SignatureVersion: '1' })).resolves.toEqual({
      ok: false,
      reason: 'signature',
    });
  });

  it('refuses a message signed by another key than the certificate at the URL', async () => {
    const { verifier } = setup();
    await expect(verifier.verify(signedSnsMessage(impostor, notification(), { certUrl: CERT_URL }))).resolves.toEqual({
      ok: false,
      reason: 'signature',
    });
  });

  it('refuses topics outside SNS_HTTPS_TOPIC_ARNS before fetching anything', async () => {
    const { verifier, fetched } = setup({ topics: [OTHER_TOPIC] });
    await expect(verifier.verify(signedSnsMessage(signer, notification(), { certUrl: CERT_URL }))).resolves.toEqual({
      ok: false,
      reason: 'unknown-topic',
    });
    expect(fetched).toEqual([]);
  });

  it.each([
    ['http', 'http://sns.us-east-1.amazonaws.com/cert.pem'],
    ['a foreign host', 'https://sns.us-east-1.amazonaws.com.evil.example/cert.pem'],
    ['a look-alike host', 'https://evil.example/sns.us-east-1.amazonaws.com/cert.pem'],
    ['another service', 'https://s3.us-east-1.amazonaws.com/cert.pem'],
    ['another region than the topic', 'https://sns.eu-west-1.amazonaws.com/cert.pem'],
    ['credentials in the URL', 'https://user@sns.us-east-1.amazonaws.com/cert.pem'],
    ['another port', 'https://sns.us-east-1.amazonaws.com:8443/cert.pem'],
    ['no .pem path', 'https://sns.us-east-1.amazonaws.com/cert.txt'],
    ['a query', 'https://sns.us-east-1.amazonaws.com/cert.pem?x=1'],
    ['not a URL', 'sns.us-east-1.amazonaws.com/cert.pem'],
  ])('refuses a certificate URL with %s, without fetching it', async (_case, certUrl) => {
    const { verifier, fetched } = setup();
    await expect(verifier.verify(signedSnsMessage(signer, notification(), { certUrl }))).resolves.toEqual({
      ok: false,
      reason: 'certificate-url',
    });
    expect(fetched).toEqual([]);
  });

  it.each(['', '3', '0', 'v2'])('refuses SignatureVersion "%s"', async (version) => {
    const { verifier, fetched } = setup();
    const message = { ...signedSnsMessage(signer, notification(), { certUrl: CERT_URL }), SignatureVersion: version };
    await expect(verifier.verify(message)).resolves.toEqual({ ok: false, reason: 'signature-version' });
    expect(fetched).toEqual([]);
  });

  it("refuses a SubscribeURL outside the topic region's SNS host", async () => {
    const { verifier } = setup();
    for (const url of [
      'https://evil.example/?Action=ConfirmSubscription',
      'http://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription',
      'https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription',
      'https://sns.us-east-1.amazonaws.com/?Action=Publish',
    ]) {
      const message = signedSnsMessage(signer, confirmation('SubscriptionConfirmation', url), { certUrl: CERT_URL });
      await expect(verifier.verify(message)).resolves.toEqual({ ok: false, reason: 'subscribe-url' });
    }
  });

  it('fetches a certificate once and keeps it; a failed fetch is tried again', async () => {
    let failNext = true;
    const { verifier, fetched } = setup({
      serve: () => {
        if (failNext) {
          failNext = false;
          throw new Error('unreachable');
        }
        return signer.certificatePem;
      },
    });
    await expect(verifier.verify(signedSnsMessage(signer, notification(), { certUrl: CERT_URL }))).resolves.toEqual({
      ok: false,
      reason: 'certificate',
    });
    for (let i = 0; i < 3; i++) {
      expect(await verifier.verify(signedSnsMessage(signer, notification(), { certUrl: CERT_URL }))).toMatchObject({
        ok: true,
      });
    }
    expect(fetched).toEqual([CERT_URL, CERT_URL]);
  });

  it('refuses what the URL serves when it is not a certificate, or one that is not valid now', async () => {
    const expired = await createSnsSigner({
      notBeforeDate: new Date(Date.now() - 3 * 86_400_000),
      notAfterDate: new Date(Date.now() - 86_400_000),
    });
    const { verifier } = setup({
      serve: (url) => (url.endsWith('expired.pem') ? expired.certificatePem : 'not a certificate'),
    });
    const expiredUrl = 'https://sns.us-east-1.amazonaws.com/expired.pem';
    await expect(verifier.verify(signedSnsMessage(expired, notification(), { certUrl: expiredUrl }))).resolves.toEqual({
      ok: false,
      reason: 'certificate',
    });
    await expect(verifier.verify(signedSnsMessage(signer, notification(), { certUrl: CERT_URL }))).resolves.toEqual({
      ok: false,
      reason: 'certificate',
    });
  });

  it('refuses messages older than the dedupe window allows, or from the future', async () => {
    const { verifier } = setup();
    const old = new Date(clock.now().getTime() - 6 * 86_400_000 - 1000).toISOString();
    const future = new Date(clock.now().getTime() + 10 * 60_000).toISOString();
    for (const Timestamp of [old, future]) {
      await expect(
        verifier.verify(signedSnsMessage(signer, notification({ Timestamp }), { certUrl: CERT_URL })),
      ).resolves.toEqual({ ok: false, reason: 'stale' });
    }
    const recent = new Date(clock.now().getTime() - 5 * 86_400_000).toISOString();
    expect(
      await verifier.verify(signedSnsMessage(signer, notification({ Timestamp: recent }), { certUrl: CERT_URL })),
    ).toMatchObject({ ok: true });
  });

  it.each([
    ['not an object', 'hello'],
    ['an unknown type', { ...notification(), Type: 'Other' }],
    ['a missing signature', notification()],
  ])('refuses %s as malformed', async (_case, body) => {
    const { verifier } = setup();
    await expect(verifier.verify(body)).resolves.toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('SNS canonical string and URLs', () => {
  it('lists the signed fields in order, leaving out an absent Subject and unsigned fields', () => {
    const message = snsHttpMessageSchema.parse({
      ...notification({ Message: 'm', MessageId: 'id', Timestamp: '2026-11-26T12:00:00.000Z' }),
      SignatureVersion: '2',
      Signature: 'x',
      SigningCertURL: CERT_URL,
    });
    expect(canonicalString(message)).toBe(
      `Message\nm\nMessageId\nid\nTimestamp\n2026-11-26T12:00:00.000Z\nTopicArn\n${TOPIC}\nType\nNotification\n`,
    );
  });

  it('knows SNS hosts by region', () => {
    expect(isSnsUrl(CERT_URL, 'us-east-1', 'certificate')).toBe(true);
    expect(isSnsUrl(CERT_URL, 'us-east-2', 'certificate')).toBe(false);
    expect(isSnsUrl(SUBSCRIBE_URL, 'us-east-1', 'subscribe')).toBe(true);
    expect(isSnsUrl(SUBSCRIBE_URL, 'us-east-1', 'certificate')).toBe(false);
  });
});
