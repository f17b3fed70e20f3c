import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type * as z from 'zod';
import type { RecordedLockout, UserRowFacts } from '../../domain/user-row.js';
import type { UserRow, UserRows } from '../../ports/user-rows.js';
import { enrollmentKeys, toEnrollment } from './enrollment-store.js';
import { optOutItem } from './opt-out-list.js';
import { batchGetItems } from './table.js';
import { DynamoUserRowFacts, rowFactsKey, rowFactsSchema, type storedLockoutSchema } from './user-row-facts.js';

/** A Users page's rows: enrollments and row facts in one batch read, opt-outs in another (layout: user-row-facts.ts). */
export class DynamoUserRows implements UserRows {
  private readonly facts: DynamoUserRowFacts;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly options: { tableName: string },
  ) {
    this.facts = new DynamoUserRowFacts(client, options);
  }

  async read(userGuids: string[]): Promise<UserRow[]> {
    const items = await batchGetItems(
      this.client,
      this.options.tableName,
      userGuids.flatMap((userGuid) => [enrollmentKeys.user(userGuid), rowFactsKey(userGuid)]),
      { consistentRead: true },
    );
    const enrollments = new Map<string, UserRow['enrollment']>();
    const facts = new Map<string, z.infer<typeof rowFactsSchema>>();
    for (const item of items) {
      if (item['sk'] === 'ENROLLMENT') {
        const enrollment = toEnrollment(item);
        enrollments.set(enrollment.userGuid, enrollment);
      } else {
        const parsed = rowFactsSchema.parse(item);
        facts.set(parsed.userGuid, parsed);
      }
    }
    return userGuids.flatMap((userGuid) => {
      const enrollment = enrollments.get(userGuid);
      if (!enrollment) return [];
      const known = facts.get(userGuid);
      return [
        {
          enrollment,
          ...(known?.activeDevices !== undefined ? { activeDevices: known.activeDevices } : {}),
          ...(known?.lastResetOrUnlock ? { lastResetOrUnlock: known.lastResetOrUnlock } : {}),
          ...(known?.lockout ? { lockout: withoutListKey(known.lockout) } : {}),
        },
      ];
    });
  }

  async optedOutAmong(phonesE164: string[]): Promise<Set<string>> {
    const unique = [...new Set(phonesE164)];
    const items = await batchGetItems(this.client, this.options.tableName, unique.map(optOutItem), {
      consistentRead: true,
    });
    const optedOut = new Set(items.map((item) => String(item['pk'])));
    return new Set(unique.filter((phone) => optedOut.has(optOutItem(phone).pk)));
  }

  async backfill(userGuid: string, facts: Pick<UserRowFacts, 'activeDevices' | 'lastResetOrUnlock'>): Promise<void> {
    await this.facts.backfill(userGuid, facts);
  }
}

function withoutListKey({ listSk: _listSk, ...lockout }: z.infer<typeof storedLockoutSchema>): RecordedLockout {
  return lockout;
}
