import * as z from 'zod';
import type { ExpiryReminderKey, ExpiryReminderLog, ExpiryReminderOutcome } from '../../ports/expiry-reminder-log.js';
import { ttlSeconds, wroteIfConditionHeld } from './table.js';
import { BlinkTableAdapter } from './table-adapter.js';

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

export class DynamoExpiryReminderLog
  extends BlinkTableAdapter<{ tableName: string; now: () => Date }>
  implements ExpiryReminderLog
{
  async claim(reminder: ExpiryReminderKey, keepUntil: Date): Promise<boolean> {
    const now = this.options.now().toISOString();
    return wroteIfConditionHeld(() =>
      this.putItem(
        {
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
        {
          ConditionExpression: 'attribute_not_exists(pk) OR keepUntil <= :now',
          ExpressionAttributeValues: { ':now': now },
        },
      ),
    );
  }

  async complete(reminder: ExpiryReminderKey, outcome: ExpiryReminderOutcome): Promise<void> {
    await this.updateItem(key(reminder), {
      UpdateExpression: 'SET email = :email, sms = :sms, pushes = :pushes, sentAt = :sentAt',
      // Never recreates a released or expired claim.
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: {
        ':email': outcome.email,
        ':sms': outcome.sms,
        ':pushes': outcome.pushes,
        ':sentAt': outcome.sentAt.toISOString(),
      },
    });
  }

  async release(reminder: ExpiryReminderKey): Promise<void> {
    await this.deleteItem(key(reminder));
  }

  async find(reminder: ExpiryReminderKey): Promise<ExpiryReminderOutcome | 'claimed' | undefined> {
    const item = await this.getItem(key(reminder));
    if (!item) return undefined;
    if (typeof item['keepUntil'] === 'string' && item['keepUntil'] <= this.options.now().toISOString())
      return undefined;
    const outcome = outcomeSchema.safeParse(item);
    return outcome.success ? outcome.data : 'claimed';
  }
}

function key(reminder: ExpiryReminderKey) {
  return {
    pk: `USER#${reminder.userGuid}`,
    sk: `EXPIRY-REMINDER#${reminder.expiresAt.toISOString()}#${reminder.step}`,
  };
}
