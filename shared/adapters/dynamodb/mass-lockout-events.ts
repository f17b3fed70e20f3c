import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { MassLockoutEvent } from '../../domain/mass-lockout.js';
import type { MassLockoutEvents } from '../../ports/mass-lockout-events.js';
import { isConditionFailure, ttlSeconds } from './table.js';

/*
 * Item layout: pk MASS-LOCKOUT   sk CURRENT   startedAt, endsAt (ISO times), lockouts (number), expiresAt (TTL).
 * One item: the running event, or the last one (ended; a new event replaces it).
 */

const key = { pk: 'MASS-LOCKOUT', sk: 'CURRENT' };
const isoDate = z.iso.datetime().transform((value) => new Date(value));
const itemSchema = z.object({ startedAt: isoDate, endsAt: isoDate, lockouts: z.number().int().min(0) });
/** An ended event is kept this long for the record (TTL). */
const KEEP_AFTER_END_MS = 30 * 86_400_000;

export class DynamoMassLockoutEvents implements MassLockoutEvents {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly options: { tableName: string },
  ) {}

  async activeAt(at: Date): Promise<MassLockoutEvent | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: key, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const event = itemSchema.parse(Item);
    return event.endsAt.getTime() > at.getTime() ? event : undefined;
  }

  async startOrExtend(now: Date, endsAt: Date, lockouts: number): Promise<boolean> {
    const values = {
      ':now': now.toISOString(),
      ':endsAt': endsAt.toISOString(),
      ':lockouts': lockouts,
      ':ttl': ttlSeconds(new Date(endsAt.getTime() + KEEP_AFTER_END_MS)),
    };
    try {
      // ISO-8601 UTC strings of one fixed format compare in time order.
      await this.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: key,
          UpdateExpression:
            'SET #kind = :kind, startedAt = :now, endsAt = :endsAt, lockouts = :lockouts, expiresAt = :ttl',
          ConditionExpression: 'attribute_not_exists(pk) OR endsAt <= :now',
          ExpressionAttributeNames: { '#kind': 'kind' },
          ExpressionAttributeValues: { ...values, ':kind': 'mass-lockout' },
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    // An event is running: it lasts until the later end, and counts these lockouts too.
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: key,
          UpdateExpression: 'SET endsAt = :endsAt, expiresAt = :ttl ADD lockouts :lockouts',
          ConditionExpression: 'endsAt < :endsAt',
          ExpressionAttributeValues: { ':endsAt': values[':endsAt'], ':lockouts': lockouts, ':ttl': values[':ttl'] },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
    return false;
  }
}
