import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';

/**
 * The single Blink table, as the CDK stack defines it: pk/sk strings, one overloaded GSI (gsi1, all attributes
 * projected), on-demand billing. `expiresAt` (epoch seconds) is the TTL attribute; CDK enables TTL on it (dynalite
 * cannot, so the local table never deletes expired items — the adapters check expiry themselves).
 */
export const blinkTableKeys = {
  partitionKey: 'pk',
  sortKey: 'sk',
  gsi1: { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  timeToLiveAttribute: 'expiresAt',
} as const;

/** Creates the table on a local DynamoDB stand-in (deployments create it with CDK). */
export async function createBlinkTable(
  client: DynamoDBClient | DynamoDBDocumentClient,
  tableName: string,
): Promise<void> {
  const { partitionKey, sortKey, gsi1 } = blinkTableKeys;
  await (client as DynamoDBClient).send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: partitionKey, AttributeType: 'S' },
        { AttributeName: sortKey, AttributeType: 'S' },
        { AttributeName: gsi1.partitionKey, AttributeType: 'S' },
        { AttributeName: gsi1.sortKey, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        { AttributeName: sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: gsi1.indexName,
          KeySchema: [
            { AttributeName: gsi1.partitionKey, KeyType: 'HASH' },
            { AttributeName: gsi1.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
}

/** The newest items of one partition whose sort keys start with `skPrefix` (their sort keys end in a time). */
export async function newestItemsByPrefix(
  client: DynamoDBDocumentClient,
  tableName: string,
  query: { pk: string; skPrefix: string; limit: number; consistentRead?: boolean },
): Promise<Record<string, unknown>[]> {
  const { Items } = await client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': query.pk, ':prefix': query.skPrefix },
      ScanIndexForward: false,
      Limit: query.limit,
      ...(query.consistentRead ? { ConsistentRead: true } : {}),
    }),
  );
  return Items ?? [];
}

/** Epoch seconds for the TTL attribute (rounded up, so an item is never deleted before it expires). */
export function ttlSeconds(date: Date): number {
  return Math.ceil(date.getTime() / 1000);
}

/**
 * The expiry of a short-lived item: `validUntil` (ISO), which reads and conditions check, since DynamoDB deletes
 * expired items up to days late; and `expiresAt`, the TTL that removes the item afterwards.
 */
export function validUntil(date: Date): { validUntil: string; expiresAt: number } {
  return { validUntil: date.toISOString(), expiresAt: ttlSeconds(date) };
}

/** True for the error DynamoDB raises when a write's condition does not hold. */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** Makes a conditional write: true when it was written, false when its condition did not hold; other errors throw. */
export async function wroteIfConditionHeld(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Drops undefined attributes, so items marshal whatever removeUndefinedValues the injected client was built with. */
export function definedAttributes(item: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined));
}

/** Every item a query matches, following LastEvaluatedKey from page to page. */
export async function queryAllItems(
  client: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey'>,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** The items at these keys (any order; missing ones left out), 100 keys a request, unprocessed keys asked again. */
export async function batchGetItems(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: Array<{ pk: string; sk: string }>,
  options: { consistentRead?: boolean } = {},
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let start = 0; start < keys.length; start += 100) {
    let pending: Array<Record<string, unknown>> = keys.slice(start, start + 100);
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt >= 5) throw new Error('the table did not answer every key of a batch read (unprocessed keys)');
      const answer = await client.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: { Keys: pending, ...(options.consistentRead ? { ConsistentRead: true } : {}) },
          },
        }),
      );
      items.push(...(answer.Responses?.[tableName] ?? []));
      pending = answer.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  }
  return items;
}
