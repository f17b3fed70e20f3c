import { randomBytes, randomUUID } from 'node:crypto';
import { DeviceClient, generateDeviceKeys } from '../../device-client/client';
import { activeEnrollment } from '../support/enrollments.js';
import { usePushService, type TestSubscription } from '../support/push-service.js';
import { lockOut, type TestUser, useSambaSuite } from './support/samba.js';

// Web Push end to end: the app's subscription saved through the signed route, a real lockout on the Samba DC found by
// the lockout scan, and the push received by a loopback push service (test/support/push-service.ts) that checks the
// VAPID signature and decrypts the payload with the subscription's own keys. The push service is the only stand-in:
// no real one is reachable from here.

const ADMIN_TOKEN = `admin-${randomBytes(24).toString('base64url')}`;
const PATH = '/api/device/web-push';

describe('Web Push of lockout alerts', () => {
  const loopbackPush = usePushService();
  const { blink, directory, users } = useSambaSuite(() => ({
    env: { WEB_PUSH_HOSTS: '127.0.0.1' },
    adminToken: ADMIN_TOKEN,
    webPushAgent: loopbackPush.agent,
  }));

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
    loopbackPush.service.received().filter((push) => subscription.endpoint.endsWith(`/${push.subscriptionId}`));

  it('delivers the lockout alert to the subscription saved by the signed route, encrypted to its keys', async () => {
    const { user, deviceId, client } = await enrolledWithDevice('wp-alert');
    const config = await fetch(`${blink.url}/api/device/push-config`);
    expect(config.status).toBe(200);
    const { vapidPublicKey } = (await config.json()) as { vapidPublicKey: string };
    expect(Buffer.from(vapidPublicKey, 'base64url')).toHaveLength(65);

    const subscription = loopbackPush.service.subscribe();
    const saved = await subscribe(client, subscription);
    expect(saved.status).toBe(200);
    await expect(saved.json()).resolves.toEqual({ subscribed: true });
    await expect(storedSubscription(deviceId)).resolves.toEqual(subscription);
    // The first status fetch after binding: no lockout yet.
    expect(await client.status()).not.toHaveProperty('recentLockout');

    await lockOut(user);
    await blink.composition.lockoutWatch.scan(randomUUID());

    expect(loopbackPush.service.refusals()).toEqual([]);
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
    const subscription = loopbackPush.service.subscribe();
    expect((await subscribe(client, subscription)).status).toBe(200);
    loopbackPush.service.answerWith(subscription.endpoint, 410);

    await lockOut(user);
    await expect(blink.composition.lockoutWatch.scan(randomUUID())).resolves.toMatchObject({ complete: true });

    await expect(storedSubscription(deviceId)).resolves.toBeUndefined();
    expect(receivedBy(subscription)).toEqual([]);
  });

  it('refuses unsigned requests, another device key, a revoked device and endpoints off the push services', async () => {
    const { deviceId, client } = await enrolledWithDevice('wp-refuse');
    const subscription = loopbackPush.service.subscribe();

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
