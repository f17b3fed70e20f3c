import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { Clock } from '../../ports/clock.js';
import type { RateLimitRefunds } from '../../ports/rate-limit-refunds.js';
import type { RateDecision, RateLimiter } from '../../ports/rate-limiter.js';
import { isConditionFailure } from './table.js';

/*
 * Item layout: pk RATE#<key>, sk WINDOW#<windowSeconds>#<window start, epoch seconds>, hits (number),
 * expiresAt (TTL: window end plus a grace period).
 */

const hitsSchema = z.object({ hits: z.number().int().positive() });

/** Kept a little past the window so a late hit never recreates a counter that TTL already removed mid-window. */
const TTL_GRACE_SECONDS = 60;

export class DynamoRateLimiter implements RateLimiter, RateLimitRefunds {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly options: { tableName: string; clock: Clock },
  ) {}

  async hit(key: string, limit: number, windowSeconds: number): Promise<RateDecision> {
    if (!Number.isInteger(windowSeconds) || windowSeconds <= 0) throw new RangeError('windowSeconds must be a positive integer');
    const nowSeconds = this.options.clock.now().getTime() / 1000;
    const windowStart = Math.floor(nowSeconds / windowSeconds) * windowSeconds;
    const windowEnd = windowStart + windowSeconds;
    const retryAfterSeconds = Math.max(1, Math.ceil(windowEnd - nowSeconds));
    if (limit < 1) return { allowed: false, remaining: 0, retryAfterSeconds };
    try {
      // Count and check in one conditional write: refused hits are not counted, and concurrent hits cannot overshoot.
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: `RATE#${key}`, sk: `WINDOW#${windowSeconds}#${windowStart}` },
          UpdateExpression: 'ADD hits :one SET expiresAt = :expiresAt',
          ConditionExpression: 'attribute_not_exists(hits) OR hits < :limit',
          ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':expiresAt': windowEnd + TTL_GRACE_SECONDS },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      const { hits } = hitsSchema.parse(Attributes);
      return { allowed: true, remaining: Math.max(0, limit - hits), retryAfterSeconds };
    } catch (error) {
      if (isConditionFailure(error)) return { allowed: false, remaining: 0, retryAfterSeconds };
      throw error;
    }
  }

  async refund(key: string, windowSeconds: number, countedAt: Date): Promise<void> {
    if (!Number.isInteger(windowSeconds) || windowSeconds <= 0) throw new RangeError('windowSeconds must be a positive integer');
    const windowStart = Math.floor(countedAt.getTime() / 1000 / windowSeconds) * windowSeconds;
    try {
      // Conditional, so a refund never takes a counter below zero (nor creates one for a window already gone).
      await this.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: `RATE#${key}`, sk: `WINDOW#${windowSeconds}#${windowStart}` },
          UpdateExpression: 'ADD hits :minusOne',
          ConditionExpression: 'hits > :zero',
          ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0 },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
