import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { compactDecrypt, decodeProtectedHeader } from 'jose';
import { generateDeviceKeys, type DeviceKeys } from '../../device-client/client';
import { DynamoDeviceStore } from '../../shared/adapters/dynamodb/device-store';
import { DynamoPasswordDelivery, JWE_REQUEST_HEADER } from '../../shared/adapters/dynamodb/password-delivery';
import type { AppRequestRecipient } from '../../shared/ports/password-delivery';
import { useBlinkTable } from '../support/local-service';

const TABLE = 'blink-password-delivery-test';
const PASSWORD = 'Kp7x-Qm4t-Rz9w-Hn3c';
let devices: DynamoDeviceStore;
let delivery: DynamoPasswordDelivery;

const dynamo = useBlinkTable(TABLE);

beforeAll(() => {
  devices = new DynamoDeviceStore(dynamo.client, { tableName: TABLE });
  delivery = new DynamoPasswordDelivery(dynamo.client, { tableName: TABLE, deviceStore: devices });
});

const now = new Date('2026-11-26T12:00:00.000Z');
const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);

/** A bound device and an opened request of its user. */
async function openRequest(
  overrides: { revoked?: boolean; encryption?: DeviceKeys } = {},
): Promise<{ recipient: AppRequestRecipient; keys: DeviceKeys }> {
  const keys = generateDeviceKeys();
  const recipient = { jobId: randomUUID(), deviceId: randomUUID(), userGuid: randomUUID() };
  await devices.add({
    deviceId: recipient.deviceId,
    userGuid: recipient.userGuid,
    publicKey: keys.publicKey,
    // Protocol v2: a separate encryption key beside the signing key.
    ...(overrides.encryption ? { encryptionKey: overrides.encryption.publicKey } : {}),
    unlockMethod: 'biometric',
    platform: 'ios',
    boundAt: now,
    ...(overrides.revoked ? { revokedAt: now } : {}),
  });
  await delivery.open(recipient, later(300));
  return { recipient, keys };
}

async function scanTable(): Promise<string> {
  const { Items } = await dynamo.client.send(new ScanCommand({ TableName: TABLE }));
  return JSON.stringify(Items ?? []);
}

describe('DynamoPasswordDelivery', () => {
  it('says a request is awaited only while it is open, pending, unexpired and asked about for its own user', async () => {
    const { recipient } = await openRequest();
    expect(await delivery.isAwaiting(recipient, later(1))).toBe(true);
    expect(await delivery.isAwaiting({ ...recipient, userGuid: randomUUID() }, later(1))).toBe(false);
    expect(await delivery.isAwaiting({ ...recipient, jobId: randomUUID() }, later(1))).toBe(false);
    expect(await delivery.isAwaiting(recipient, later(300))).toBe(false);
    await delivery.deliverOutcome(recipient, { state: 'not-locked' }, later(300));
    expect(await delivery.isAwaiting(recipient, later(2))).toBe(false);
  });

  it('answers pending until the worker delivers, then hands out a JWE only the device can decrypt, once', async () => {
    const { recipient, keys } = await openRequest();
    expect(await delivery.take(recipient.jobId, recipient.deviceId, later(1))).toEqual({ state: 'pending' });

    await delivery.deliverPassword(recipient, PASSWORD, later(300));
    expect(await scanTable()).not.toContain(PASSWORD);

    const taken = await delivery.take(recipient.jobId, recipient.deviceId, later(2));
    if (taken?.state !== 'password-ready') throw new Error(`expected password-ready, got ${JSON.stringify(taken)}`);
    expect(taken.jwe.split('.')).toHaveLength(5);
    expect(decodeProtectedHeader(taken.jwe)).toMatchObject({
      alg: 'ECDH-ES+A256KW',
      enc: 'A256GCM',
      kid: recipient.deviceId,
      [JWE_REQUEST_HEADER]: recipient.jobId,
    });
    const { plaintext } = await compactDecrypt(taken.jwe, keys.privateKey);
    expect(new TextDecoder().decode(plaintext)).toBe(PASSWORD);

    // Another key (another device) cannot open it.
    await expect(compactDecrypt(taken.jwe, generateDeviceKeys().privateKey)).rejects.toThrow();
    // Taken: gone, and the ciphertext is no longer stored either.
    expect(await delivery.take(recipient.jobId, recipient.deviceId, later(3))).toEqual({ state: 'gone' });
    expect(await scanTable()).not.toContain(taken.jwe);
  });

  it("encrypts to a protocol v2 device's encryption key, never to its signing key", async () => {
    const encryption = generateDeviceKeys();
    const { recipient, keys: signing } = await openRequest({ encryption });
    expect((await devices.get(recipient.deviceId))?.encryptionKey).toEqual(encryption.publicKey);
    await delivery.deliverPassword(recipient, PASSWORD, later(300));
    const taken = await delivery.take(recipient.jobId, recipient.deviceId, later(1));
    if (taken?.state !== 'password-ready') throw new Error(`expected password-ready, got ${JSON.stringify(taken)}`);
    await expect(compactDecrypt(taken.jwe, signing.privateKey)).rejects.toThrow();
    const { plaintext } = await compactDecrypt(taken.jwe, encryption.privateKey);
    expect(new TextDecoder().decode(plaintext)).toBe(PASSWORD);
  });

  it('gives the password to exactly one of several concurrent takes', async () => {
    const { recipient } = await openRequest();
    await delivery.deliverPassword(recipient, PASSWORD, later(300));
    const results = await Promise.all(
      Array.from({ length: 6 }, () => delivery.take(recipient.jobId, recipient.deviceId, later(5))),
    );
    expect(results.filter((result) => result?.state === 'password-ready')).toHaveLength(1);
    expect(results.filter((result) => result?.state === 'gone')).toHaveLength(5);
  });

  it('expires an untaken password (checked in code) and drops its ciphertext', async () => {
    const { recipient } = await openRequest();
    await delivery.deliverPassword(recipient, PASSWORD, later(300));
    expect(await delivery.take(recipient.jobId, recipient.deviceId, later(300))).toEqual({ state: 'gone' });
    // Still gone a moment before expiry on a skewed clock: once discarded, never handed out.
    expect(await delivery.take(recipient.jobId, recipient.deviceId, later(299))).toEqual({ state: 'gone' });
    const { Items } = await dynamo.client.send(new ScanCommand({ TableName: TABLE }));
    const item = (Items ?? []).find((stored) => stored['pk'] === `APPRESULT#${recipient.jobId}`);
    expect(item).toMatchObject({ state: 'taken' });
    expect(item).not.toHaveProperty('jwe');
  });

  it('keeps other outcomes readable until they expire; a pending request expires too', async () => {
    const unlock = await openRequest();
    await delivery.deliverOutcome(unlock.recipient, { state: 'unlocked' }, later(300));
    expect(await delivery.take(unlock.recipient.jobId, unlock.recipient.deviceId, later(1))).toEqual({
      state: 'unlocked',
    });
    expect(await delivery.take(unlock.recipient.jobId, unlock.recipient.deviceId, later(2))).toEqual({
      state: 'unlocked',
    });
    expect(await delivery.take(unlock.recipient.jobId, unlock.recipient.deviceId, later(300))).toEqual({
      state: 'gone',
    });

    const failed = await openRequest();
    const message = 'Blink: we could not reset your password. Contact your IT service desk.';
    await delivery.deliverOutcome(failed.recipient, { state: 'failed', message }, later(300));
    expect(await delivery.take(failed.recipient.jobId, failed.recipient.deviceId, later(1))).toEqual({
      state: 'failed',
      message,
    });

    const pending = await openRequest();
    expect(await delivery.take(pending.recipient.jobId, pending.recipient.deviceId, later(299))).toEqual({
      state: 'pending',
    });
    expect(await delivery.take(pending.recipient.jobId, pending.recipient.deviceId, later(300))).toEqual({
      state: 'gone',
    });
  });

  it('answers nothing for an unknown request or another device, and keeps answers to their own request', async () => {
    const { recipient } = await openRequest();
    await delivery.deliverPassword(recipient, PASSWORD, later(300));
    expect(await delivery.take(randomUUID(), recipient.deviceId, later(1))).toBeUndefined();
    expect(await delivery.take(recipient.jobId, randomUUID(), later(1))).toBeUndefined();
    // Still there for its own device.
    expect((await delivery.take(recipient.jobId, recipient.deviceId, later(1)))?.state).toBe('password-ready');
  });

  it('refuses to deliver to a request never opened, already taken, of another user, or to a revoked device', async () => {
    const { recipient } = await openRequest();
    await expect(
      delivery.deliverPassword({ ...recipient, jobId: randomUUID() }, PASSWORD, later(300)),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
    await expect(
      delivery.deliverOutcome({ ...recipient, userGuid: randomUUID() }, { state: 'unlocked' }, later(300)),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
    });

    // A retried job's newer password replaces one not taken yet; once taken, nothing replaces it.
    await delivery.deliverPassword(recipient, 'first-Password-1', later(300));
    await delivery.deliverPassword(recipient, PASSWORD, later(300));
    const taken = await delivery.take(recipient.jobId, recipient.deviceId, later(1));
    expect(taken?.state).toBe('password-ready');
    await expect(
      delivery.deliverOutcome(recipient, { state: 'failed', message: 'late' }, later(300)),
    ).rejects.toMatchObject({ name: 'NotFoundError' });

    const revoked = await openRequest({ revoked: true });
    await expect(delivery.deliverPassword(revoked.recipient, PASSWORD, later(300))).rejects.toMatchObject({
      name: 'NotFoundError',
    });
    expect(await scanTable()).not.toContain(PASSWORD);
  });

  it('opens a request id only once', async () => {
    const { recipient } = await openRequest();
    await expect(delivery.open(recipient, later(300))).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
    });
  });
});
