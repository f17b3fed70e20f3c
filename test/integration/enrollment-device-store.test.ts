import { randomBytes, randomUUID } from 'node:crypto';
import { generateDeviceKeys } from '../../device-client/client';
import { DynamoDeviceStore } from '../../shared/adapters/dynamodb/device-store';
import type { Device } from '../../shared/domain/device';
import { useBlinkTable } from '../support/local-service';

const TABLE = 'blink-device-store-test';
let store: DynamoDeviceStore;

const dynamo = useBlinkTable(TABLE);

beforeAll(() => {
  store = new DynamoDeviceStore(dynamo.client, { tableName: TABLE });
});

function device(overrides: Partial<Device> = {}): Device {
  return {
    deviceId: randomUUID(),
    userGuid: randomUUID(),
    publicKey: generateDeviceKeys().publicKey,
    unlockMethod: 'biometric',
    platform: 'ios',
    boundAt: new Date('2026-11-26T12:00:00.000Z'),
    ...overrides,
  };
}

describe('DynamoDeviceStore', () => {
  it('stores a device once and reads it back', async () => {
    const bound = device({ pushToken: 'arn:aws:sns:us-east-1:000000000000:endpoint/APNS/blink/1' });
    await store.add(bound);
    expect(await store.get(bound.deviceId)).toEqual(bound);
    await expect(store.add({ ...bound, platform: 'android' })).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
    });
    expect(await store.get(randomUUID())).toBeUndefined();
  });

  it('lists a user’s devices through the index and revokes one, keeping the first revocation time', async () => {
    const userGuid = randomUUID();
    const first = device({ userGuid });
    const second = device({ userGuid, platform: 'android' });
    await store.add(first);
    await store.add(second);
    await store.add(device());
    expect((await store.listForUser(userGuid)).map((found) => found.deviceId).sort()).toEqual(
      [first.deviceId, second.deviceId].sort(),
    );

    const revokedAt = new Date('2026-11-27T08:00:00.000Z');
    expect(await store.revoke(first.deviceId, revokedAt)).toBe(true);
    expect(await store.revoke(first.deviceId, new Date('2026-11-28T08:00:00.000Z'))).toBe(true);
    expect((await store.get(first.deviceId))?.revokedAt).toEqual(revokedAt);
    expect(await store.revoke(randomUUID(), revokedAt)).toBe(false);
    expect(await store.get(second.deviceId)).not.toHaveProperty('revokedAt');
  });

  it('accepts each nonce of a device once, also under concurrency', async () => {
    const deviceId = randomUUID();
    const nonce = randomBytes(16).toString('base64url');
    const keepUntil = new Date(Date.now() + 300_000);
    const results = await Promise.all(Array.from({ length: 5 }, () => store.rememberNonce(deviceId, nonce, keepUntil)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.rememberNonce(deviceId, nonce, keepUntil)).toBe(false);
    // The same nonce from another device is that device's own first use.
    expect(await store.rememberNonce(randomUUID(), nonce, keepUntil)).toBe(true);
  });
});
