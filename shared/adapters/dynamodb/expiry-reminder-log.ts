import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { ExpiryReminderKey, ExpiryReminderLog, ExpiryReminderOutcome } from '../../ports/expiry-reminder-log.js';
import { ttlSeconds, wroteIfConditionHeld } from './table.js';

/*
 * Item layout: pk USER#<guid>   sk EXPIRY-REMINDER#<expiresAt ISO>#<step>   claimedAt, keepUntil, the outcome once sent
 * (email, sms, pushes, sentAt), expiresAt (TTL). Claimed with one conditional put; a claim whose keepUntil has passed
 * counts as free, checked in the condition itself, since TTL deletes late (dynalite never does).
 */

const outcomeSchema = z.object({
  email: z.enum(['sent', 'no-mail', 'failed']),
  sms: z.enum(['sent', 'queued', 'opted-out', 'no-phone', 'off', 'failed']),
  pushes: z.number().int().min(0),
  sentAt: z.iso.datetime().transform((value) => new Date(value)),
});

export class DynamoExpiryReminderLog implements ExpiryReminderLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly options: { tableName: string; now: () => Date },
  ) {}

  async claim(reminder: ExpiryReminderKey, keepUntil: Date): Promise<boolean> {
    const now = this.options.now().toISOString();
    return wroteIfConditionHeld(() =>
      this.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: {
            ...key(reminder),
            kind: 'expiry-reminder',
            userGuid: reminder.userGuid,
            passwordExpiresAt: reminder.expiresAt.toISOString(),
            step: reminder.step,
            claimedAt: now,
            keepUntil: keepUntil.toISOString(),
            expiresAt: ttlSeconds(keepUntil),
          },
          // ISO-8601 UTC strings of one fixed format compare in time order.
          ConditionExpression: 'attribute_not_exists(pk) OR keepUntil <= :now',
          ExpressionAttributeValues: { ':now': now },
        }),
      ),
    );
  }

  async complete(reminder: ExpiryReminderKey, outcome: ExpiryReminderOutcome): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: key(reminder),
        UpdateExpression: 'SET email = :email, sms = :sms, pushes = :pushes, sentAt = :sentAt',
        // Never recreates a released or expired claim.
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: {
          ':email': outcome.email,
          ':sms': outcome.sms,
          ':pushes': outcome.pushes,
          ':sentAt': outcome.sentAt.toISOString(),
        },
      }),
    );
  }

  async release(reminder: ExpiryReminderKey): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.options.tableName, Key: key(reminder) }));
  }

  async find(reminder: ExpiryReminderKey): Promise<ExpiryReminderOutcome | 'claimed' | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: key(reminder), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    if (typeof Item['keepUntil'] === 'string' && Item['keepUntil'] <= this.options.now().toISOString())
      return undefined;
    const outcome = outcomeSchema.safeParse(Item);
    return outcome.success ? outcome.data : 'claimed';
  }
}

function key(reminder: ExpiryReminderKey) {
  return {
    pk: `USER#${reminder.userGuid}`,
    sk: `EXPIRY-REMINDER#${reminder.expiresAt.toISOString()}#${reminder.step}`,
  };
}
