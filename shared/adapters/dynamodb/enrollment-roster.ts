import * as z from 'zod';
import type { EnrollmentRoster } from '../../ports/enrollment-roster.js';
import { queryAllItems } from './table.js';
import { BlinkTableAdapter } from './table-adapter.js';

/*
 * Item layout: pk ENROLLMENTS   sk USER#<guid>   (userGuid, addedAt)
 * One small item per user ever activated, in one item collection, so the admin listing is a Query (the table is never
 * scanned). Admin activation is the only way an enrollment comes to exist, and it adds the user here.
 */

const ROSTER_PK = 'ENROLLMENTS';
const rosterItemSchema = z.object({ userGuid: z.string() });

export class DynamoEnrollmentRoster extends BlinkTableAdapter implements EnrollmentRoster {
  async add(userGuid: string, at: Date): Promise<void> {
    // Idempotent: a second activation rewrites the same key.
    await this.putItem({ pk: ROSTER_PK, sk: `USER#${userGuid}`, userGuid, addedAt: at.toISOString() });
  }

  async list(): Promise<string[]> {
    const items = await queryAllItems(this.client, {
      TableName: this.options.tableName,
      KeyConditionExpression: 'pk = :roster',
      ExpressionAttributeValues: { ':roster': ROSTER_PK },
    });
    return items.flatMap((item) => {
      const parsed = rosterItemSchema.safeParse(item);
      return parsed.success ? [parsed.data.userGuid] : [];
    });
  }
}
