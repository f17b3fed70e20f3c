import { LibraryWebPushSender } from '../../shared/adapters/web-push/web-push-sender';
import { StaticSecrets } from '../../shared/adapters/secrets/static-secrets';
import {
  DeliveryError,
  PushRefusedError,
  PushSubscriptionGoneError,
  ValidationError,
} from '../../shared/domain/errors';
import { generateVapidKeys, parseVapidKeys } from '../../shared/domain/web-push';
import type { OutboundWebPush } from '../../shared/ports/web-push-sender';
import { usePushService } from '../support/push-service';

// The adapter against the loopback push service (test/support/push-service.ts), which checks the VAPID JWT and
// decrypts the aes128gcm body itself: the error mapping is tested on real HTTP answers, not on a mocked library.

const pushes = usePushService();
const vapidKeys = generateVapidKeys();

const sender = (allowedHosts: string[] = ['127.0.0.1']) =>
  new LibraryWebPushSender({
    secrets: new StaticSecrets({ 'vapid-keys': vapidKeys }),
    subject: 'mailto:blink@corp.example.test',
    allowedHosts,
    timeoutMs: 5_000,
    agent: pushes.agent,
  });

const notification = {
  title: 'Blink: account locked',
  body: 'Your Windows account was locked at 10:42 UTC.',
  data: { kind: 'lockout', url: '/app/?action=unlock' },
  actions: [{ action: 'unlock', title: 'Unlock' }],
};
const pushTo = (subscription = pushes.service.subscribe()): OutboundWebPush => ({
  deviceId: '9b2f1c3e-4d5a-4b6c-8d7e-0f1a2b3c4d5e',
  subscription,
  notification,
  ttlSeconds: 600,
  topic: 'lockout',
});

/** Sends to a fresh subscription whose endpoint the push service answers with `status`; returns what send threw. */
const sendWhenServiceAnswers = async (status: number) => {
  const push = pushTo();
  pushes.service.answerWith(push.subscription.endpoint, status);
  const failure = await sender()
    .send(push)
    .catch((error: unknown) => error);
  return { push, failure };
};

describe('LibraryWebPushSender', () => {
  it('sends the notification encrypted to the subscription, signed with the VAPID key pair for that origin', async () => {
    const push = pushTo();
    await sender().send(push);
    const received = pushes.service
      .received()
      .find((entry) => push.subscription.endpoint.endsWith(entry.subscriptionId));
    expect(pushes.service.refusals()).toEqual([]);
    expect(received).toEqual({
      subscriptionId: expect.any(String),
      vapidPublicKey: parseVapidKeys(vapidKeys).publicKey,
      subject: 'mailto:blink@corp.example.test',
      ttl: 600,
      urgency: 'high',
      topic: 'lockout',
      plaintext: JSON.stringify(notification),
    });
  });

  it.each([404, 410])('says the subscription is gone when the push service answers %i', async (status) => {
    const { failure } = await sendWhenServiceAnswers(status);
    expect(failure).toBeInstanceOf(PushSubscriptionGoneError);
    expect((failure as PushSubscriptionGoneError).retryable).toBe(false);
  });

  it.each([429, 500, 503])('asks for another try when the push service answers %i', async (status) => {
    const { failure } = await sendWhenServiceAnswers(status);
    expect(failure).toBeInstanceOf(DeliveryError);
    expect((failure as DeliveryError).retryable).toBe(true);
  });

  it.each([400, 403, 413])('treats %i as a final refusal, without the endpoint in the message', async (status) => {
    const { push, failure } = await sendWhenServiceAnswers(status);
    expect(failure).toBeInstanceOf(PushRefusedError);
    expect((failure as PushRefusedError).retryable).toBe(false);
    expect((failure as Error).message).not.toContain(push.subscription.endpoint);
  });

  it('asks for another try when the push service cannot be reached', async () => {
    const push = pushTo({ ...pushes.service.subscribe(), endpoint: 'https://127.0.0.1:9/push/unreachable' });
    await expect(sender().send(push)).rejects.toBeInstanceOf(DeliveryError);
  });

  it('never sends to a host outside the allowed push services', async () => {
    const before = pushes.service.received().length;
    await expect(sender(['fcm.googleapis.com']).send(pushTo())).rejects.toBeInstanceOf(ValidationError);
    expect(pushes.service.received()).toHaveLength(before);
  });
});
