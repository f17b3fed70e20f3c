import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { CallerCodeCheck, CallerVerificationKey } from '../../domain/caller-verification.js';
import type { CallerVerificationStore } from '../../ports/caller-verifications.js';
import { ttlSeconds, wroteIfConditionHeld } from './table.js';

/*
 * Item layout: pk PORTAL#CALLER#<user guid>, sk TECH#<sha256 of the technician's IdP subject>: codeHash (keyed),
 * validUntil, attempts, usedAt, verifiedUntil; expiresAt (TTL). One item per user and technician, so a verification
 * can never serve another user or another technician.
 */

const itemKey = (key: CallerVerificationKey) => ({
  pk: `PORTAL#CALLER#${key.userGuid}`,
  sk: `TECH#${createHash('sha256').update(key.technicianSubject).digest('base64url')}`,
});
const verifiedSchema = z.object({
  verifiedUntil: z.iso
    .datetime()
    .transform((value) => new Date(value))
    .optional(),
});

export class DynamoCallerVerificationStore implements CallerVerificationStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly options: { tableName: string },
  ) {}

  async issue(key: CallerVerificationKey, code: { hash: string; issuedAt: Date; expiresAt: Date }): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: {
          ...itemKey(key),
          kind: 'caller-verification',
          codeHash: code.hash,
          issuedAt: code.issuedAt.toISOString(),
          validUntil: code.expiresAt.toISOString(),
          attempts: 0,
          expiresAt: ttlSeconds(new Date(code.expiresAt.getTime() + 86_400_000)),
        },
      }),
    );
  }

  async check(
    key: CallerVerificationKey,
    hash: string,
    now: Date,
    verifiedUntil: Date,
    maxAttempts: number,
  ): Promise<CallerCodeCheck> {
    const live = 'attribute_exists(pk) AND attribute_not_exists(usedAt) AND validUntil > :now AND attempts < :max';
    const verified = await wroteIfConditionHeld(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: itemKey(key),
          UpdateExpression: 'SET usedAt = :now, verifiedUntil = :until',
          ConditionExpression: `${live} AND codeHash = :hash`,
          ExpressionAttributeValues: {
            ':now': now.toISOString(),
            ':until': verifiedUntil.toISOString(),
            ':max': maxAttempts,
            ':hash': hash,
          },
        }),
      ),
    );
    if (verified) return 'verified';
    // A wrong code counts against the live code only; with no live code there is nothing to count against.
    const counted = await wroteIfConditionHeld(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: itemKey(key),
          UpdateExpression: 'ADD attempts :one',
          ConditionExpression: live,
          ExpressionAttributeValues: { ':now': now.toISOString(), ':max': maxAttempts, ':one': 1 },
        }),
      ),
    );
    return counted ? 'wrong-code' : 'no-live-code';
  }

  async verifiedUntil(key: CallerVerificationKey): Promise<Date | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: itemKey(key), ConsistentRead: true }),
    );
    return Item ? verifiedSchema.parse(Item).verifiedUntil : undefined;
  }
}
