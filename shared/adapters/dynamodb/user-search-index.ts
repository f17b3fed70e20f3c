import { BatchWriteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { Enrollment } from '../../domain/enrollment.js';
import { ValidationError } from '../../domain/errors.js';
import { searchTermsOf, userFiltersOf, type UserListFilter } from '../../domain/user-search.js';
import type { UserSearchIndex, UserSearchPage } from '../../ports/user-search.js';
import { BlinkTableAdapter, type TableKey } from './table-adapter.js';

/*
 * Item layout (design: docs/design/portal.md, "Finding users without a Scan"):
 *   search term   pk USERSEARCH#<first 2 characters of the term>   sk <term>#<guid>       (userGuid)
 *   list entry    pk USERLIST#ALL | USERLIST#<filter>               sk <sam, lower case>#<guid> (userGuid)
 *   own keys      pk USER#<guid>   sk SEARCHKEYS                      keys: the items above, to remove stale ones
 * A search is one Query (begins_with on the sort key) in one partition; the lists are read in account-name order.
 * Partitions by the term's first two characters spread 100,000 users' terms over many partitions.
 */

const keySchema = z.object({ pk: z.string().min(1), sk: z.string().min(1) });
const ownKeysSchema = z.object({ keys: z.array(keySchema).default([]) });
const entrySchema = z.object({ sk: z.string(), userGuid: z.string(), terms: z.array(z.string()).optional() });
/** The term of a search-term item: its sort key without the `#<guid>` at the end. */
const termOf = (entry: z.infer<typeof entrySchema>) => entry.sk.slice(0, -(entry.userGuid.length + 1));

export const searchPartitionOf = (prefix: string) => `USERSEARCH#${prefix.slice(0, 2)}`;
export const listPartitionOf = (filter: UserListFilter | 'ALL') => `USERLIST#${filter}`;

export class DynamoUserSearchIndex extends BlinkTableAdapter implements UserSearchIndex {
  async index(enrollment: Enrollment): Promise<void> {
    const { userGuid } = enrollment;
    const sam = enrollment.samAccountName.toLowerCase();
    const wanted: TableKey[] = [
      ...searchTermsOf(enrollment).map((term) => ({ pk: searchPartitionOf(term), sk: `${term}#${userGuid}` })),
      { pk: listPartitionOf('ALL'), sk: `${sam}#${userGuid}` },
      ...userFiltersOf(enrollment).map((filter) => ({ pk: listPartitionOf(filter), sk: `${sam}#${userGuid}` })),
    ];
    const ownKey = { pk: `USER#${userGuid}`, sk: 'SEARCHKEYS' };
    const previous = ownKeysSchema.parse((await this.getItem(ownKey)) ?? {}).keys;
    const id = (key: TableKey) => `${key.pk}\u0000${key.sk}`;
    const wantedIds = new Set(wanted.map(id));
    const previousIds = new Set(previous.map(id));
    // Each term item names all the user's terms, so a search lists a person once, at their first matching term; when
    // the terms change, every term item is written again to say so.
    const terms = searchTermsOf(enrollment);
    const termsChanged =
      wanted.some((key) => !previousIds.has(id(key))) || previous.some((key) => !wantedIds.has(id(key)));
    // Most saves change no term and no filter: the entries and the own keys stand as they are (the own keys are only
    // written once all their entries were).
    if (!termsChanged) return;
    const puts = wanted
      .filter((key) => !previousIds.has(id(key)) || key.pk.startsWith('USERSEARCH#'))
      .map((key) => ({
        PutRequest: {
          Item: { ...key, kind: 'user-search', userGuid, ...(key.pk.startsWith('USERSEARCH#') ? { terms } : {}) },
        },
      }));
    const deletes = previous.filter((key) => !wantedIds.has(id(key))).map((key) => ({ DeleteRequest: { Key: key } }));
    await this.batchWrite([...puts, ...deletes]);
    // After the entries, never before: own keys that name entries never written would hide them from later saves.
    await this.putItem({ ...ownKey, kind: 'user-search-keys', keys: wanted });
  }

  async search(query: {
    prefix?: string;
    filter?: UserListFilter;
    cursor?: string;
    pageSize: number;
  }): Promise<UserSearchPage> {
    const partition =
      query.prefix !== undefined ? searchPartitionOf(query.prefix) : listPartitionOf(query.filter ?? 'ALL');
    const startKey = query.cursor !== undefined ? decodeCursor(query.cursor, partition) : undefined;
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.options.tableName,
        KeyConditionExpression: query.prefix !== undefined ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
        ExpressionAttributeValues: {
          ':pk': partition,
          ...(query.prefix !== undefined ? { ':prefix': query.prefix } : {}),
        },
        Limit: query.pageSize,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    // One person can match through several terms (name and account name): listed once, at the first of their terms
    // that matches, so not again on a later page either.
    const prefix = query.prefix;
    const entries = (page.Items ?? []).map((item) => entrySchema.parse(item));
    const firstMatches = entries.filter(
      (entry) =>
        prefix === undefined ||
        entry.terms === undefined ||
        !entry.terms.some((term) => term.startsWith(prefix) && term < termOf(entry)),
    );
    const userGuids = [...new Set(firstMatches.map((entry) => entry.userGuid))];
    const next = page.LastEvaluatedKey ? keySchema.parse(page.LastEvaluatedKey) : undefined;
    return { userGuids, ...(next ? { cursor: Buffer.from(JSON.stringify(next)).toString('base64url') } : {}) };
  }

  private async batchWrite(requests: Array<Record<string, unknown>>): Promise<void> {
    for (let start = 0; start < requests.length; start += 25) {
      let pending: Record<string, unknown[]> | undefined = {
        [this.options.tableName]: requests.slice(start, start + 25),
      };
      for (let attempt = 0; pending && Object.keys(pending).length > 0; attempt++) {
        if (attempt >= 5) throw new Error('the search index could not be written (unprocessed items)');
        const result = await this.client.send(new BatchWriteCommand({ RequestItems: pending as never }));
        pending = result.UnprocessedItems as Record<string, unknown[]> | undefined;
      }
    }
  }
}

/** A cursor is only ever a key of the partition being read: anything else is refused, not followed. */
function decodeCursor(cursor: string, partition: string): TableKey {
  let parsed: z.ZodSafeParseResult<TableKey>;
  try {
    parsed = keySchema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new ValidationError('cursor is not one this portal gave out.');
  }
  if (!parsed.success || parsed.data.pk !== partition)
    throw new ValidationError('cursor is not one this portal gave out.');
  return parsed.data;
}
