import * as z from 'zod';
import type { Device } from '../../domain/device.js';
import { devicePublicKeySchema, type DevicePublicKey } from '../../domain/device-signature.js';
import type { DeviceStore } from '../../ports/device-store.js';
import type { WebAuthnCounters } from '../../ports/webauthn.js';
import type { DeviceStatusVisits, WebPushSubscriptions } from '../../ports/web-push-subscriptions.js';
import type { WebPushSubscription } from '../../domain/web-push.js';
import { blinkTableKeys, definedAttributes, isConditionFailure, ttlSeconds, wroteIfConditionHeld } from './table.js';
import { DynamoUserRowFacts } from './user-row-facts.js';
import { BlinkTableAdapter } from './table-adapter.js';

/*
 * Item layout (single table, see table.ts):
 *   device          pk DEVICE#<deviceId>               sk DEVICE   gsi1pk DEVICES#<userGuid> gsi1sk DEVICE#<deviceId>
 *                   (webPush {endpoint, keys} and statusSeenAt are set on it by the app's later calls)
 *   request nonce   pk NONCE#<deviceId>#<nonce>        sk NONCE    expiresAt (TTL)
 * A nonce is written once with attribute_not_exists(pk): a replay inside the freshness window fails the condition.
 */

const isoDate = z.iso.datetime().transform((value) => new Date(value));

const deviceItemSchema = z.object({
  deviceId: z.string(),
  userGuid: z.string(),
  publicKey: devicePublicKeySchema,
  encryptionKey: devicePublicKeySchema.optional(),
  unlockMethod: z.enum(['none', 'pin', 'biometric']),
  platform: z.enum(['ios', 'android', 'other']),
  pushToken: z.string().optional(),
  webauthn: z
    .object({ credentialId: z.string(), publicKey: z.string(), counter: z.number().int().nonnegative() })
    .optional(),
  boundAt: isoDate,
  revokedAt: isoDate.optional(),
  webPush: z.object({ endpoint: z.string(), keys: z.object({ p256dh: z.string(), auth: z.string() }) }).optional(),
  statusSeenAt: isoDate.optional(),
});

export const deviceKeys = {
  device: (deviceId: string) => ({ pk: `DEVICE#${deviceId}`, sk: 'DEVICE' }),
  userDevices: (userGuid: string) => `DEVICES#${userGuid}`,
  nonce: (deviceId: string, nonce: string) => ({ pk: `NONCE#${deviceId}#${nonce}`, sk: 'NONCE' }),
};

export class DynamoDeviceStore
  extends BlinkTableAdapter
  implements DeviceStore, WebPushSubscriptions, DeviceStatusVisits, WebAuthnCounters
{
  private readonly rowFacts = new DynamoUserRowFacts(this.client, this.options);

  async add(device: Device): Promise<void> {
    const { gsi1 } = blinkTableKeys;
    await this.putItem(
      definedAttributes({
        ...deviceKeys.device(device.deviceId),
        kind: 'device',
        [gsi1.partitionKey]: deviceKeys.userDevices(device.userGuid),
        [gsi1.sortKey]: `DEVICE#${device.deviceId}`,
        deviceId: device.deviceId,
        userGuid: device.userGuid,
        publicKey: publicJwkOf(device.publicKey),
        encryptionKey: device.encryptionKey ? publicJwkOf(device.encryptionKey) : undefined,
        unlockMethod: device.unlockMethod,
        platform: device.platform,
        pushToken: device.pushToken,
        webauthn: device.webauthn
          ? {
              credentialId: device.webauthn.credentialId,
              publicKey: device.webauthn.publicKey,
              counter: device.webauthn.counter,
            }
          : undefined,
        boundAt: device.boundAt.toISOString(),
        revokedAt: device.revokedAt?.toISOString(),
      }),
      { ConditionExpression: 'attribute_not_exists(pk)' },
    );
    if (!device.revokedAt) await this.rowFacts.devicesChanged(device.userGuid, 1);
  }

  async get(deviceId: string): Promise<Device | undefined> {
    const item = await this.getItem(deviceKeys.device(deviceId));
    return item ? toDevice(item) : undefined;
  }

  async listForUser(userGuid: string): Promise<Device[]> {
    const items = await this.itemsInGsi1Partition(deviceKeys.userDevices(userGuid));
    return items.map(toDevice);
  }

  async revoke(deviceId: string, at: Date): Promise<boolean> {
    let before: Record<string, unknown> | undefined;
    const found = await wroteIfConditionHeld(async () => {
      ({ Attributes: before } = await this.updateItem(deviceKeys.device(deviceId), {
        UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':at': at.toISOString() },
        ReturnValues: 'ALL_OLD',
      }));
    });
    // Counted once: only the revocation that found the device still active lowers the user's device count.
    if (found && before && before['revokedAt'] === undefined && typeof before['userGuid'] === 'string')
      await this.rowFacts.devicesChanged(before['userGuid'], -1);
    return found;
  }

  async advanceWebAuthnCounter(deviceId: string, counter: number): Promise<boolean> {
    return wroteIfConditionHeld(() =>
      this.updateItem(deviceKeys.device(deviceId), {
        UpdateExpression: 'SET webauthn.#counter = :counter',
        ConditionExpression: 'attribute_exists(webauthn) AND webauthn.#counter < :counter',
        ExpressionAttributeNames: { '#counter': 'counter' },
        ExpressionAttributeValues: { ':counter': counter },
      }),
    );
  }

  async saveWebPush(deviceId: string, subscription: WebPushSubscription): Promise<boolean> {
    return wroteIfConditionHeld(() =>
      this.updateItem(deviceKeys.device(deviceId), {
        UpdateExpression: 'SET webPush = :subscription',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: {
          ':subscription': {
            endpoint: subscription.endpoint,
            keys: { p256dh: subscription.keys.p256dh, auth: subscription.keys.auth },
          },
        },
      }),
    );
  }

  async removeWebPush(deviceId: string, endpoint?: string): Promise<void> {
    try {
      await this.updateItem(deviceKeys.device(deviceId), {
        UpdateExpression: 'REMOVE webPush',
        ConditionExpression: endpoint === undefined ? 'attribute_exists(pk)' : 'webPush.endpoint = :endpoint',
        ...(endpoint === undefined ? {} : { ExpressionAttributeValues: { ':endpoint': endpoint } }),
      });
    } catch (error) {
      // No such device, or the app subscribed again since: nothing to remove.
      if (!isConditionFailure(error)) throw error;
    }
  }

  async recordVisit(deviceId: string, at: Date): Promise<Date | undefined> {
    const { Attributes } = await this.updateItem(deviceKeys.device(deviceId), {
      UpdateExpression: 'SET statusSeenAt = :at',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':at': at.toISOString() },
      ReturnValues: 'UPDATED_OLD',
    });
    const previous = Attributes?.['statusSeenAt'];
    return typeof previous === 'string' ? new Date(previous) : undefined;
  }

  async rememberNonce(deviceId: string, nonce: string, keepUntil: Date): Promise<boolean> {
    return wroteIfConditionHeld(() =>
      this.putItem(
        { ...deviceKeys.nonce(deviceId, nonce), kind: 'device-nonce', expiresAt: ttlSeconds(keepUntil) },
        { ConditionExpression: 'attribute_not_exists(pk)' },
      ),
    );
  }
}

/** Only the four members of a public P-256 JWK are stored, whatever else the object carries. */
function publicJwkOf(key: DevicePublicKey): DevicePublicKey {
  return { kty: key.kty, crv: key.crv, x: key.x, y: key.y };
}

/** The stored device: the schema keeps the device's own attributes and drops the table's (keys, kind). */
function toDevice(item: Record<string, unknown>): Device {
  return deviceItemSchema.parse(item);
}
