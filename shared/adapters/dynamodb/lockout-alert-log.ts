import * as z from 'zod';
import type {
  LockedNowList,
  LockoutAlertLog,
  LockoutAlertRecord,
  RecentLockouts,
} from '../../ports/lockout-alert-log.js';
import { definedAttributes, newestItemsByPrefix, ttlSeconds } from './table.js';
import { DynamoUserRowFacts } from './user-row-facts.js';
import { BlinkTableAdapter } from './table-adapter.js';

/*
 * Item layout: pk USER#<guid>   sk LOCKOUT-ALERT#<lockoutTime>   (the record's fields), expiresAt (TTL).
 * Read by key (the admin listing asks for the events the scan finds), or the user's newest event by a descending query
 * on the sort key (lockoutTime is a FILETIME: 18 decimal digits until the year 5000, so text order is time order).
 */

const isoDate = z.iso.datetime().transform((value) => new Date(value));
const itemSchema = z.object({
  userGuid: z.string(),
  lockoutTime: z.string(),
  lockedAt: isoDate,
  handledAt: isoDate,
  outcome: z.enum(['alerted', 'capped', 'unreachable']),
  sms: z.enum(['sent', 'opted-out', 'no-phone', 'failed', 'not-sent']),
  pushes: z.number().int().min(0),
  lockoutEndsAt: isoDate.optional(),
  scheduledFor: isoDate.optional(),
  expiresAt: z.number().optional(),
});

export class DynamoLockoutAlertLog
  extends BlinkTableAdapter<{ tableName: string; now: () => Date }>
  implements LockoutAlertLog, RecentLockouts, LockedNowList
{
  private readonly rowFacts = new DynamoUserRowFacts(this.client, this.options);

  async record(alert: LockoutAlertRecord, keepUntil: Date): Promise<void> {
    await this.putItem(
      definedAttributes({
        ...key(alert.userGuid, alert.lockoutTime),
        kind: 'lockout-alert',
        userGuid: alert.userGuid,
        lockoutTime: alert.lockoutTime,
        lockedAt: alert.lockedAt.toISOString(),
        handledAt: alert.handledAt.toISOString(),
        outcome: alert.outcome,
        sms: alert.sms,
        pushes: alert.pushes,
        lockoutEndsAt: alert.lockoutEndsAt?.toISOString(),
        scheduledFor: alert.scheduledFor?.toISOString(),
        expiresAt: ttlSeconds(keepUntil),
      }),
    );
    // The Users page's "locked now" (its column and its filter) is the scan's record, kept with the user's row.
    await this.rowFacts.recordLockout(alert.userGuid, {
      lockedAt: alert.lockedAt,
      ...(alert.lockoutEndsAt ? { endsAt: alert.lockoutEndsAt } : {}),
      alert: { outcome: alert.outcome, sms: alert.sms, pushes: alert.pushes, handledAt: alert.handledAt },
    });
  }

  listed(): Promise<string[]> {
    return this.rowFacts.lockedNowUsers();
  }

  unlist(userGuid: string): Promise<void> {
    return this.rowFacts.endLockout(userGuid);
  }

  async find(userGuid: string, lockoutTime: string): Promise<LockoutAlertRecord | undefined> {
    const item = await this.getItem(key(userGuid, lockoutTime));
    if (!item) return undefined;
    const { expiresAt, ...record } = itemSchema.parse(item);
    // TTL deletes late (and never locally): an expired record is treated as gone.
    if (expiresAt !== undefined && expiresAt * 1000 <= this.options.now().getTime()) return undefined;
    return record;
  }

  async recordedSince(userGuid: string, since: Date): Promise<{ lockedAt: Date } | undefined> {
    const [item] = await newestItemsByPrefix(this.client, this.options.tableName, {
      pk: `USER#${userGuid}`,
      skPrefix: 'LOCKOUT-ALERT#',
      limit: 1,
      consistentRead: true,
    });
    if (!item) return undefined;
    const { expiresAt, lockedAt, handledAt } = itemSchema.parse(item);
    if (expiresAt !== undefined && expiresAt * 1000 <= this.options.now().getTime()) return undefined;
    return handledAt.getTime() > since.getTime() ? { lockedAt } : undefined;
  }
}

function key(userGuid: string, lockoutTime: string) {
  return { pk: `USER#${userGuid}`, sk: `LOCKOUT-ALERT#${lockoutTime}` };
}
