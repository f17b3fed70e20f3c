import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { Device } from '../../domain/device.js';
import { devicePublicKeySchema } from '../../domain/device-signature.js';
import type { DeviceStore } from '../../ports/device-store.js';
import { blinkTableKeys, definedAttributes, isConditionFailure, queryAllItems, ttlSeconds } from './table.js';

/*
 * Item layout (single table, see table.ts):
 *   device          pk DEVICE#<deviceId>               sk DEVICE   gsi1pk DEVICES#<userGuid> gsi1sk DEVICE#<deviceId>
 *   request nonce   pk NONCE#<deviceId>#<nonce>        sk NONCE    expiresAt (TTL)
 * A nonce is written once with attribute_not_exists(pk): a replay inside the freshness window fails the condition.
 */

const isoDate = z.iso.datetime().transform((value) => new Date(value));

const deviceItemSchema = z.object({
  deviceId: z.string(),
  userGuid: z.string(),
  publicKey: devicePublicKeySchema,
  unlockMethod: z.enum(['none', 'pin', 'biometric']),
  platform: z.enum(['ios', 'android', 'other']),
  pushToken: z.string().optional(),
  boundAt: isoDate,
  revokedAt: isoDate.optional(),
});

export const deviceKeys = {
  device: (deviceId: string) => ({ pk: `DEVICE#${deviceId}`, sk: 'DEVICE' }),
  userDevices: (userGuid: string) => `DEVICES#${userGuid}`,
  nonce: (deviceId: string, nonce: string) => ({ pk: `NONCE#${deviceId}#${nonce}`, sk: 'NONCE' }),
};

export class DynamoDeviceStore implements DeviceStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly options: { tableName: string },
  ) {}

  async add(device: Device): Promise<void> {
    const { gsi1 } = blinkTableKeys;
    await this.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: definedAttributes({
          ...deviceKeys.device(device.deviceId),
          kind: 'device',
          [gsi1.partitionKey]: deviceKeys.userDevices(device.userGuid),
          [gsi1.sortKey]: `DEVICE#${device.deviceId}`,
          deviceId: device.deviceId,
          userGuid: device.userGuid,
          publicKey: { kty: device.publicKey.kty, crv: device.publicKey.crv, x: device.publicKey.x, y: device.publicKey.y },
          unlockMethod: device.unlockMethod,
          platform: device.platform,
          pushToken: device.pushToken,
          boundAt: device.boundAt.toISOString(),
          revokedAt: device.revokedAt?.toISOString(),
        }),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(deviceId: string): Promise<Device | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: deviceKeys.device(deviceId), ConsistentRead: true }),
    );
    return Item ? toDevice(Item) : undefined;
  }

  async listForUser(userGuid: string): Promise<Device[]> {
    const { gsi1 } = blinkTableKeys;
    const items = await queryAllItems(this.client, {
      TableName: this.options.tableName,
      IndexName: gsi1.indexName,
      KeyConditionExpression: '#gpk = :devices',
      ExpressionAttributeNames: { '#gpk': gsi1.partitionKey },
      ExpressionAttributeValues: { ':devices': deviceKeys.userDevices(userGuid) },
    });
    return items.map(toDevice);
  }

  async revoke(deviceId: string, at: Date): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: deviceKeys.device(deviceId),
          UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':at': at.toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async rememberNonce(deviceId: string, nonce: string, keepUntil: Date): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: { ...deviceKeys.nonce(deviceId, nonce), kind: 'device-nonce', expiresAt: ttlSeconds(keepUntil) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

function toDevice(item: Record<string, unknown>): Device {
  const stored = deviceItemSchema.parse(item);
  return {
    deviceId: stored.deviceId,
    userGuid: stored.userGuid,
    publicKey: stored.publicKey,
    unlockMethod: stored.unlockMethod,
    platform: stored.platform,
    ...(stored.pushToken !== undefined ? { pushToken: stored.pushToken } : {}),
    boundAt: stored.boundAt,
    ...(stored.revokedAt ? { revokedAt: stored.revokedAt } : {}),
  };
}
