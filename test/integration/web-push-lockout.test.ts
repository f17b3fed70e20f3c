import { randomBytes, randomUUID } from 'node:crypto';
import { Agent } from 'node:https';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { DeviceClient, generateDeviceKeys } from '../../device-client/client';
import { startLocalBlink, type LocalBlink } from '../../local/runtime.js';
import { LdapDirectory } from '../../shared/adapters/ldap/ldap-directory.js';
import { QueuedWebPushSender } from '../../shared/adapters/sqs/queued-web-push-sender.js';
import { activeEnrollment } from '../support/enrollments.js';
import { pollUntil } from '../support/poll.js';
import { startPushService, type PushServiceStandIn, type TestSubscription } from '../support/push-service.js';
import { directoryOptions, localDirectorySettings, lockOut, throwawayUsers, type TestUser } from './support/samba.js';

// Web Push end to end: the app's subscription saved through the signed route, a real lockout on the Samba DC found by
// the lockout scan, the push queued by the worker on the web-push queue (fauxqs), posted by the web-push sender (fed
// by the local SQS poller, as Lambda's event source mapping would) and received by a loopback push service
// (test/support/push-service.ts) that checks the VAPID signature and decrypts the payload with the subscription's own
// keys. The push service is the only stand-in: no real one is reachable from here.

const ADMIN_TOKEN = `admin-${randomBytes(24).toString('base64url')}`;
const PATH = '/api/device/web-push';

describe('Web Push of lockout alerts', () => {
  const directory = new LdapDirectory(directoryOptions());
  const users = throwawayUsers();
  let pushService: PushServiceStandIn;
  let agent: Agent;
  let blink: LocalBlink;

  beforeAll(async () => {
    pushService = await startPushService();
    agent = new Agent({ ca: pushService.caPem });
    blink = await startLocalBlink({
      env: { TOKEN_HMAC_KEY: randomBytes(32).toString('base64'), BLINK_VERSION: 'test', WEB_PUSH_HOSTS: '127.0.0.1' },
      port: 0,
      adminToken: ADMIN_TOKEN,
      lockoutScanIntervalSeconds: 3600,
      directory: localDirectorySettings(),
      // A failed push comes back after a second; after the fifth receive it goes to the dead-letter queue, as deployed.
      queue: { visibilityTimeoutSeconds: 1, maxReceiveCount: 5 },
      webPushAgent: agent,
    });
  });

  afterAll(async () => {
    await blink?.stop();
    agent?.destroy();
    await pushService?.close();
    await directory.close();
    await users.removeAll();
  });

  /** An enrolled Samba user (app only, no phone) with one bound device, and that device's signing client. */
  const enrolledWithDevice = async (
    prefix: string,
  ): Promise<{ user: TestUser; userGuid: string; deviceId: string; client: DeviceClient }> => {
    const user = await users.create(prefix);
    const found = await directory.findUserBySamAccountName(user.samAccountName);
    if (!found) throw new Error(`${user.samAccountName} not found`);
    const { enrollmentStore, deviceStore } = blink.composition.adapters;
    await enrollmentStore.save(
      activeEnrollment(
        { userGuid: found.objectGuid, dn: found.dn, samAccountName: user.samAccountName },
        { app: true },
      ),
      0,
    );
    const keys = generateDeviceKeys();
    const deviceId = randomUUID();
    await deviceStore.add({
      deviceId,
      userGuid: found.objectGuid,
      publicKey: keys.publicKey,
      unlockMethod: 'none',
      platform: 'other',
      boundAt: new Date(),
    });
    return {
      user,
      userGuid: found.objectGuid,
      deviceId,
      client: new DeviceClient(blink.url, deviceId, keys.privateKey),
    };
  };

  const subscribe = (client: DeviceClient, subscription: unknown) =>
    client.send('PUT', PATH, { body: JSON.stringify(subscription) });
  const storedSubscription = async (deviceId: string) =>
    (await blink.composition.adapters.deviceStore.get(deviceId))?.webPush;
  const receivedBy = (subscription: TestSubscription) =>
    pushService.received().filter((push) => subscription.endpoint.endsWith(`/${push.subscriptionId}`));
  const idOf = (subscription: TestSubscription) => subscription.endpoint.split('/').pop();
  const answeredTo = (subscription: TestSubscription) =>
    pushService.answeredWith().filter((answer) => answer.subscriptionId === idOf(subscription));
  const waitFor = <T>(description: string, probe: () => Promise<T | undefined> | T | undefined) =>
    pollUntil(async () => probe(), { timeoutMs: 20_000, description });
  /** A push put on the web-push queue directly, with the worker's adapter (to test the sender's rules alone). */
  const queueAsTheWorkerDoes = (deviceId: string, subscription: TestSubscription) =>
    new QueuedWebPushSender(blink.composition.sqsClient, { queueUrl: blink.composition.webPushQueue.queueUrl }).send({
      deviceId,
      subscription,
      notification: { title: 'Blink', body: 'Test', data: { kind: 'test', url: '/app/' }, actions: [] },
      ttlSeconds: 60,
    });
  /** Messages in a queue, visible or being handled. */
  const depth = async (queueUrl: string) => {
    const { Attributes } = await blink.composition.sqsClient.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
  };

  it('delivers the lockout alert to the subscription saved by the signed route, encrypted to its keys', async () => {
    const { user, deviceId, client } = await enrolledWithDevice('wp-alert');
    const config = await fetch(`${blink.url}/api/device/push-config`);
    expect(config.status).toBe(200);
    const { vapidPublicKey } = (await config.json()) as { vapidPublicKey: string };
    expect(Buffer.from(vapidPublicKey, 'base64url')).toHaveLength(65);

    const subscription = pushService.subscribe();
    const saved = await subscribe(client, subscription);
    expect(saved.status).toBe(200);
    await expect(saved.json()).resolves.toEqual({ subscribed: true });
    await expect(storedSubscription(deviceId)).resolves.toEqual(subscription);
    // The first status fetch after binding: no lockout yet.
    expect(await client.status()).not.toHaveProperty('recentLockout');

    await lockOut(user);
    await blink.composition.lockoutWatch.scan(randomUUID());

    // The worker only queued it: the sender posts it.
    await waitFor('the queued lockout push', () => (receivedBy(subscription).length > 0 ? true : undefined));
    expect(pushService.refusals()).toEqual([]);
    const [push, ...more] = receivedBy(subscription);
    expect(more).toEqual([]);
    expect(push).toMatchObject({
      vapidPublicKey,
      subject: 'mailto:blink@corp.example.test',
      ttl: 43_200,
      urgency: 'high',
      topic: 'lockout',
    });
    const payload = JSON.parse(push?.plaintext ?? '{}') as unknown;
    expect(payload).toEqual({
      title: 'Blink: account locked',
      body: expect.stringMatching(
        /^Your Windows account was locked at \d\d:\d\d UTC\. Open Blink to unlock it or get a new password\.$/,
      ),
      data: { kind: 'lockout', url: '/app/?action=unlock' },
      actions: [
        { action: 'unlock', title: 'Unlock' },
        { action: 'reset', title: 'Reset password' },
      ],
    });

    // The home screen's fallback: the lockout recorded since the last status fetch, once.
    const { locked } = await directory.scanLockedAccounts({ pageSize: 500, timeBudgetMs: 10_000 });
    const lockedAt = locked.find((account) => account.samAccountName === user.samAccountName)?.lockedAt;
    expect(await client.status()).toMatchObject({ recentLockout: { lockedAt: lockedAt?.toISOString() } });
    expect(await client.status()).not.toHaveProperty('recentLockout');
  });

  it('drops the subscription when the push service answers 410 Gone, and the scan still completes', async () => {
    const { user, deviceId, client } = await enrolledWithDevice('wp-gone');
    const subscription = pushService.subscribe();
    expect((await subscribe(client, subscription)).status).toBe(200);
    pushService.answerWith(subscription.endpoint, 410);

    await lockOut(user);
    await expect(blink.composition.lockoutWatch.scan(randomUUID())).resolves.toMatchObject({ complete: true });

    // The sender removes it once the push service said 410.
    await waitFor('the gone subscription removed', async () =>
      (await storedSubscription(deviceId)) === undefined ? true : undefined,
    );
    expect(answeredTo(subscription)).toEqual([{ subscriptionId: idOf(subscription), status: 410 }]);
    expect(receivedBy(subscription)).toEqual([]);
  });

  it('retries a push the push service answered 503, and delivers it once the service is back', async () => {
    const { user, deviceId, client } = await enrolledWithDevice('wp-retry');
    const subscription = pushService.subscribe();
    expect((await subscribe(client, subscription)).status).toBe(200);
    pushService.answerWith(subscription.endpoint, 503);

    await lockOut(user);
    await blink.composition.lockoutWatch.scan(randomUUID());
    await waitFor('a second 503 (the record came back)', () =>
      answeredTo(subscription).length >= 2 ? true : undefined,
    );
    pushService.answerWith(subscription.endpoint, undefined);

    await waitFor('the retried push delivered', () => (receivedBy(subscription).length > 0 ? true : undefined));
    expect(receivedBy(subscription)).toHaveLength(1);
    // A transient failure keeps the subscription.
    await expect(storedSubscription(deviceId)).resolves.toEqual(subscription);
  });

  it('moves a push that keeps failing to the dead-letter queue after the fifth receive', async () => {
    const { deviceId, client } = await enrolledWithDevice('wp-dlq');
    const subscription = pushService.subscribe();
    expect((await subscribe(client, subscription)).status).toBe(200);
    pushService.answerWith(subscription.endpoint, 503);
    const { webPushQueue } = blink.composition;
    const before = await depth(webPushQueue.deadLetterQueueUrl);

    await queueAsTheWorkerDoes(deviceId, subscription);

    await waitFor('the push in the dead-letter queue', async () =>
      (await depth(webPushQueue.deadLetterQueueUrl)) > before ? true : undefined,
    );
    expect(answeredTo(subscription).map((answer) => answer.status)).toEqual([503, 503, 503, 503, 503]);
    expect(receivedBy(subscription)).toEqual([]);
  });

  it('drops a queued push for a device revoked after it was queued', async () => {
    const { deviceId, client } = await enrolledWithDevice('wp-revoked');
    const subscription = pushService.subscribe();
    expect((await subscribe(client, subscription)).status).toBe(200);
    await blink.composition.adapters.deviceStore.revoke(deviceId, new Date());
    const { webPushQueue } = blink.composition;
    const dlqBefore = await depth(webPushQueue.deadLetterQueueUrl);

    await queueAsTheWorkerDoes(deviceId, subscription);

    // Consumed (deleted), not retried: the queue empties with nothing posted and nothing dead-lettered.
    await waitFor('the queued push consumed', async () =>
      (await depth(webPushQueue.queueUrl)) === 0 ? true : undefined,
    );
    expect(receivedBy(subscription)).toEqual([]);
    expect(answeredTo(subscription)).toEqual([]);
    expect(await depth(webPushQueue.deadLetterQueueUrl)).toBe(dlqBefore);
  });

  it('refuses unsigned requests, another device key, a revoked device and endpoints off the push services', async () => {
    const { deviceId, client } = await enrolledWithDevice('wp-refuse');
    const subscription = pushService.subscribe();

    const unsigned = await fetch(`${blink.url}${PATH}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(subscription),
    });
    expect(unsigned.status).toBe(401);
    // Signed with another device's key under this device's id.
    const impostor = new DeviceClient(blink.url, deviceId, generateDeviceKeys().privateKey);
    expect((await subscribe(impostor, subscription)).status).toBe(401);
    expect((await impostor.send('DELETE', PATH)).status).toBe(401);
    await expect(storedSubscription(deviceId)).resolves.toBeUndefined();

    // Signed, but not a subscription the worker may ever POST to.
    const offService = await subscribe(client, {
      ...subscription,
      endpoint: 'https://169.254.169.254/latest/meta-data',
    });
    expect(offService.status).toBe(400);
    expect(
      (await subscribe(client, { ...subscription, endpoint: subscription.endpoint.replace('https:', 'http:') })).status,
    ).toBe(400);
    expect((await subscribe(client, { ...subscription, keys: { ...subscription.keys, auth: 'c2hvcnQ' } })).status).toBe(
      400,
    );
    await expect(storedSubscription(deviceId)).resolves.toBeUndefined();

    // The device itself can remove it; once revoked, it can do nothing.
    expect((await subscribe(client, subscription)).status).toBe(200);
    const removed = await client.send('DELETE', PATH);
    expect(removed.status).toBe(200);
    await expect(removed.json()).resolves.toEqual({ subscribed: false });
    await expect(storedSubscription(deviceId)).resolves.toBeUndefined();
    await blink.composition.adapters.deviceStore.revoke(deviceId, new Date());
    expect((await subscribe(client, subscription)).status).toBe(401);
    await expect(storedSubscription(deviceId)).resolves.toBeUndefined();
  });
});
