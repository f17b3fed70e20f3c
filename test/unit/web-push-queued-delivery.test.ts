import { randomUUID } from 'node:crypto';
import { createWebPushSenderHandler } from '../../functions/web-push-sender/handler';
import { sqsRecord } from '../../local/stand-ins/sqs-record';
import { StaticSecrets } from '../../shared/adapters/secrets/static-secrets';
import { LibraryWebPushSender } from '../../shared/adapters/web-push/web-push-sender';
import type { Device } from '../../shared/domain/device';
import { generateVapidKeys, queuedWebPushSchema, type QueuedWebPush } from '../../shared/domain/web-push';
import { createObservability } from '../../shared/observability/powertools';
import { createQueuedWebPushDelivery } from '../../shared/use-cases/web-push';
import { captureLogsOfEachTest } from '../support/capture-logs';
import { lambdaContext } from '../support/lambda-context';
import { usePushService, type TestSubscription } from '../support/push-service';
import { silentLogger } from '../support/silent-logger';

// The web-push sender's rules: the queued message's schema, the device read again at delivery (revoked or replaced:
// skipped), a gone subscription removed, a transient failure thrown for SQS to retry. The pushes go through the real
// adapter to the loopback push service (test/support/push-service.ts); the device store is an in-memory map, as in the
// lockout watch's unit tests (dynalite and the queue: test/integration/web-push-lockout.test.ts).

const pushes = usePushService();

const notification = {
  title: 'Blink: account locked',
  body: 'Your Windows account was locked at 10:42 UTC.',
  data: { kind: 'lockout', url: '/app/?action=unlock' },
  actions: [{ action: 'unlock', title: 'Unlock' }],
};

function setUp() {
  const devices = new Map<string, Device>();
  const removed: Array<{ deviceId: string; endpoint: string | undefined }> = [];
  const deliver = createQueuedWebPushDelivery({
    deviceStore: { get: (deviceId) => Promise.resolve(devices.get(deviceId)) },
    subscriptions: {
      removeWebPush: (deviceId, endpoint) => {
        removed.push({ deviceId, endpoint });
        return Promise.resolve();
      },
    },
    sender: new LibraryWebPushSender({
      secrets: new StaticSecrets({ 'vapid-keys': generateVapidKeys() }),
      subject: 'mailto:blink@corp.example.test',
      allowedHosts: ['127.0.0.1'],
      timeoutMs: 5_000,
      agent: pushes.agent,
    }),
    logger: silentLogger,
  });
  const deviceWith = (webPush: TestSubscription | undefined, revokedAt?: Date): Device => {
    const device: Device = {
      deviceId: randomUUID(),
      userGuid: randomUUID(),
      publicKey: { kty: 'EC', crv: 'P-256', x: 'unused', y: 'unused' },
      unlockMethod: 'none',
      platform: 'other',
      boundAt: new Date(),
      ...(webPush ? { webPush } : {}),
      ...(revokedAt ? { revokedAt } : {}),
    };
    devices.set(device.deviceId, device);
    return device;
  };
  return { deliver, deviceWith, removed };
}

const queued = (deviceId: string, endpoint: string): QueuedWebPush => ({
  deviceId,
  endpoint,
  notification,
  ttlSeconds: 600,
  topic: 'lockout',
});
const receivedBy = (subscription: TestSubscription) =>
  pushes.service.received().filter((push) => subscription.endpoint.endsWith(`/${push.subscriptionId}`));

describe('queued Web Push message', () => {
  const valid = queued(randomUUID(), 'https://fcm.googleapis.com/fcm/send/abc');

  it('accepts what the worker queues and carries no subscription keys', () => {
    expect(queuedWebPushSchema.parse(valid)).toEqual(valid);
    expect(queuedWebPushSchema.safeParse({ ...valid, keys: { p256dh: 'x', auth: 'y' } }).success).toBe(false);
  });

  it('refuses a non-uuid device, a plain http endpoint, a bad topic and a missing notification', () => {
    expect(queuedWebPushSchema.safeParse({ ...valid, deviceId: 'device-1' }).success).toBe(false);
    expect(queuedWebPushSchema.safeParse({ ...valid, endpoint: 'http://fcm.googleapis.com/x' }).success).toBe(false);
    expect(queuedWebPushSchema.safeParse({ ...valid, topic: 'not a topic!' }).success).toBe(false);
    const { notification: _dropped, ...withoutNotification } = valid;
    expect(queuedWebPushSchema.safeParse(withoutNotification).success).toBe(false);
  });
});

describe('queued Web Push delivery', () => {
  it('sends to the subscription stored with the device, encrypted to its keys', async () => {
    const { deliver, deviceWith } = setUp();
    const subscription = pushes.service.subscribe();
    const device = deviceWith(subscription);

    await expect(deliver(queued(device.deviceId, subscription.endpoint))).resolves.toBe('sent');
    const [push, ...more] = receivedBy(subscription);
    expect(more).toEqual([]);
    expect(push).toMatchObject({ ttl: 600, topic: 'lockout' });
    expect(JSON.parse(push?.plaintext ?? '{}')).toEqual(notification);
  });

  it('skips a revoked device, a replaced subscription and a device that is gone', async () => {
    const { deliver, deviceWith } = setUp();
    const revoked = pushes.service.subscribe();
    const revokedDevice = deviceWith(revoked, new Date());
    const old = pushes.service.subscribe();
    const replaced = deviceWith(pushes.service.subscribe());

    await expect(deliver(queued(revokedDevice.deviceId, revoked.endpoint))).resolves.toBe('skipped');
    await expect(deliver(queued(replaced.deviceId, old.endpoint))).resolves.toBe('skipped');
    await expect(deliver(queued(randomUUID(), old.endpoint))).resolves.toBe('skipped');
    expect(receivedBy(revoked)).toEqual([]);
    expect(receivedBy(old)).toEqual([]);
  });

  it('removes a subscription the push service says is gone (that endpoint only)', async () => {
    const { deliver, deviceWith, removed } = setUp();
    const subscription = pushes.service.subscribe();
    const device = deviceWith(subscription);
    pushes.service.answerWith(subscription.endpoint, 410);

    await expect(deliver(queued(device.deviceId, subscription.endpoint))).resolves.toBe('gone');
    expect(removed).toEqual([{ deviceId: device.deviceId, endpoint: subscription.endpoint }]);
  });

  it('throws on 503 (SQS retries it) and drops a refusal a retry cannot change', async () => {
    const { deliver, deviceWith, removed } = setUp();
    const unavailable = pushes.service.subscribe();
    const unavailableDevice = deviceWith(unavailable);
    pushes.service.answerWith(unavailable.endpoint, 503);
    const refusing = pushes.service.subscribe();
    const refusingDevice = deviceWith(refusing);
    pushes.service.answerWith(refusing.endpoint, 413);

    await expect(deliver(queued(unavailableDevice.deviceId, unavailable.endpoint))).rejects.toMatchObject({
      retryable: true,
    });
    await expect(deliver(queued(refusingDevice.deviceId, refusing.endpoint))).resolves.toBe('refused');
    expect(removed).toEqual([]);
  });
});

describe('web-push sender handler', () => {
  const logs = captureLogsOfEachTest();

  it('fails only the transient record, drops an invalid one, and never logs an endpoint', async () => {
    const { deliver, deviceWith } = setUp();
    const working = pushes.service.subscribe();
    const workingDevice = deviceWith(working);
    const unavailable = pushes.service.subscribe();
    const unavailableDevice = deviceWith(unavailable);
    pushes.service.answerWith(unavailable.endpoint, 503);
    const handler = createWebPushSenderHandler({
      observability: createObservability({ serviceName: 'blink-test', tracing: false }),
      deliver,
    });

    const response = await handler(
      {
        Records: [
          sqsRecord(JSON.stringify(queued(workingDevice.deviceId, working.endpoint)), { messageId: 'ok' }),
          sqsRecord(JSON.stringify(queued(unavailableDevice.deviceId, unavailable.endpoint)), { messageId: 'retry' }),
          sqsRecord(JSON.stringify({ deviceId: 'x', endpoint: unavailable.endpoint }), { messageId: 'invalid' }),
          sqsRecord('not json', { messageId: 'garbage' }),
        ],
      },
      lambdaContext('blink-web-push-sender'),
    );

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'retry' }] });
    expect(receivedBy(working)).toHaveLength(1);
    expect(logs.text()).toContain('queued web push dropped');
    expect(logs.text()).not.toContain(unavailable.endpoint);
    expect(logs.text()).not.toContain(working.endpoint);
  });
});
