import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';

/** What the admin listing shows of an enrollment (no hashes, no counters). */
export interface EnrollmentSummary {
  userGuid: string;
  samAccountName: string;
  displayName: string;
  mail: string;
  status: 'activated' | 'active' | 'revoked';
  methods: { sms: boolean; app: boolean };
  activatedAt?: string;
  updatedAt: string;
}

const summarySchema = z.object({
  userGuid: z.string(),
  samAccountName: z.string(),
  displayName: z.string(),
  mail: z.string(),
  status: z.enum(['activated', 'active', 'revoked']),
  methods: z.object({ sms: z.boolean(), app: z.boolean() }).default({ sms: false, app: false }),
  activatedAt: z.string().optional(),
  updatedAt: z.string(),
});

/**
 * Every enrollment, for the admin listing. The table has no key that groups all enrollments, so this is the one
 * Scan in the product: an admin-only, paged read with a filter on the item type, granted to the admin function only.
 * (A listing index would replace it if the number of enrollments makes the scan slow.)
 */
export async function listEnrollments(client: DynamoDBDocumentClient, tableName: string): Promise<EnrollmentSummary[]> {
  const summaries: EnrollmentSummary[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'sk = :enrollment',
        ExpressionAttributeValues: { ':enrollment': 'ENROLLMENT' },
        ProjectionExpression: 'userGuid, samAccountName, displayName, mail, #status, methods, activatedAt, updatedAt',
        ExpressionAttributeNames: { '#status': 'status' },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const parsed = summarySchema.safeParse(item);
      if (parsed.success) summaries.push(parsed.data);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return summaries.sort((a, b) => a.samAccountName.localeCompare(b.samAccountName));
}
