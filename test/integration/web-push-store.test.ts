import { randomBytes, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { generateDeviceKeys } from '../../device-client/client';
import { startDynamoDb, type DynamoDbStandIn } from '../../local/stand-ins/dynamodb';
import { DynamoDeviceStore } from '../../shared/adapters/dynamodb/device-store';
import { DynamoLockoutAlertLog } from '../../shared/adapters/dynamodb/lockout-alert-log';
import { createBlinkTable } from '../../shared/adapters/dynamodb/table';
import { localTarget } from '../support/local-aws';

// The Web Push subscription and status visits on the device item, and the newest recorded lockout, against dynalite.

const TABLE = 'blink-web-push-store-test';
let dynamo: DynamoDbStandIn;
let client: DynamoDBDocumentClient;
let store: DynamoDeviceStore;
let now = new Date('2026-12-04T10:00:00.000Z');

beforeAll(async () => {
  dynamo = await startDynamoDb();
  client = DynamoDBDocumentClient.from(new DynamoDBClient(localTarget(dynamo.endpoint)));
  await createBlinkTable(client, TABLE);
  store = new DynamoDeviceStore(client, { tableName: TABLE });
});

afterAll(async () => {
  client?.destroy();
  await dynamo?.stop();
});

const subscription = () => ({
  endpoint: `https://fcm.googleapis.com/fcm/send/${randomUUID()}`,
  keys: { p256dh: randomBytes(65).toString('base64url'), auth: randomBytes(16).toString('base64url') },
});

async function addDevice(userGuid = randomUUID()): Promise<string> {
  const deviceId = randomUUID();
  await store.add({
    deviceId,
    userGuid,
    publicKey: generateDeviceKeys().publicKey,
    unlockMethod: 'none',
    platform: 'other',
    boundAt: now,
  });
  return deviceId;
}

describe('Web Push subscriptions on the device item', () => {
  it('are saved, replaced and listed with the device; unknown devices get none', async () => {
    const userGuid = randomUUID();
    const deviceId = await addDevice(userGuid);
    const first = subscription();
    const second = subscription();
    await expect(store.saveWebPush(deviceId, first)).resolves.toBe(true);
    await expect(store.saveWebPush(deviceId, second)).resolves.toBe(true);
    expect((await store.get(deviceId))?.webPush).toEqual(second);
    expect((await store.listForUser(userGuid)).map((device) => device.webPush)).toEqual([second]);
    await expect(store.saveWebPush(randomUUID(), first)).resolves.toBe(false);
  });

  it('a gone endpoint is removed only while it is still the stored one (a newer subscription stays)', async () => {
    const deviceId = await addDevice();
    const old = subscription();
    const current = subscription();
    await store.saveWebPush(deviceId, current);
    await store.removeWebPush(deviceId, old.endpoint);
    expect((await store.get(deviceId))?.webPush).toEqual(current);
    await store.removeWebPush(deviceId, current.endpoint);
    expect((await store.get(deviceId))?.webPush).toBeUndefined();
    // The app's own DELETE: whatever is stored, and nothing to do is fine.
    await store.saveWebPush(deviceId, old);
    await store.removeWebPush(deviceId);
    await store.removeWebPush(deviceId);
    expect(await store.get(deviceId)).not.toHaveProperty('webPush');
  });

  it('each status visit answers the previous one', async () => {
    const deviceId = await addDevice();
    const first = new Date('2026-12-04T10:01:00.000Z');
    await expect(store.recordVisit(deviceId, first)).resolves.toBeUndefined();
    await expect(store.recordVisit(deviceId, new Date('2026-12-04T10:02:00.000Z'))).resolves.toEqual(first);
  });
});

describe('the newest recorded lockout', () => {
  const log = () => new DynamoLockoutAlertLog(client, { tableName: TABLE, now: () => now });
  const record = (userGuid: string, lockedAt: Date, handledAt: Date) =>
    log().record(
      {
        userGuid,
        lockoutTime: String(116_444_736_000_000_000n + BigInt(lockedAt.getTime()) * 10_000n),
        lockedAt,
        handledAt,
        outcome: 'alerted',
        sms: 'sent',
        pushes: 1,
      },
      new Date(handledAt.getTime() + 86_400_000),
    );

  it('is the latest event recorded after the given time, and none once it expired', async () => {
    const userGuid = randomUUID();
    await record(userGuid, new Date('2026-12-04T09:00:00.000Z'), new Date('2026-12-04T09:01:00.000Z'));
    await record(userGuid, new Date('2026-12-04T09:30:00.000Z'), new Date('2026-12-04T09:31:00.000Z'));
    await expect(log().recordedSince(userGuid, new Date('2026-12-04T09:10:00.000Z'))).resolves.toEqual({
      lockedAt: new Date('2026-12-04T09:30:00.000Z'),
    });
    await expect(log().recordedSince(userGuid, new Date('2026-12-04T09:31:00.000Z'))).resolves.toBeUndefined();
    await expect(log().recordedSince(randomUUID(), new Date(0))).resolves.toBeUndefined();
    now = new Date('2026-12-06T10:00:00.000Z');
    await expect(log().recordedSince(userGuid, new Date(0))).resolves.toBeUndefined();
  });
});
