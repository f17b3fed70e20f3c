import { DeleteCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { RecordedLockout, UserRowFacts } from '../../domain/user-row.js';
import { definedAttributes, isConditionFailure, queryAllItems, ttlSeconds } from './table.js';
import { listPartitionOf } from './user-search-index.js';

/*
 * Item layout (design: docs/design/portal.md, "A Users page in four requests"):
 *   row facts       pk USER#<guid>              sk ROWFACTS   activeDevices, lastResetOrUnlock, lockout {…, listSk}
 *   locked-now list pk USERLIST#locked-now      sk <lockedAt ISO>#<guid>   (userGuid), expiresAt when the lockout ends
 * activeDevices exists once the user is tracked: set to 0 with a new enrollment, or backfilled by the first page that
 * shows an older user; device counts only move (ADD) on tracked users, so a count is never a guess. The last reset or
 * unlock and the lockout are set whenever they happen. Written by the adapters that store those facts (enrollment
 * store, device store, audit log, lockout alert log); read in batches by DynamoUserRows.
 */

const isoDate = z.iso.datetime().transform((value) => new Date(value));
export const storedLockoutSchema = z.object({
  lockedAt: isoDate,
  endsAt: isoDate.optional(),
  listSk: z.string(),
  alert: z.object({
    outcome: z.enum(['alerted', 'capped', 'unreachable']),
    sms: z.string(),
    pushes: z.number().int().min(0),
    handledAt: isoDate,
  }),
});
export const rowFactsSchema = z.object({
  userGuid: z.string(),
  activeDevices: z.number().int().optional(),
  lastResetOrUnlock: z
    .object({ action: z.enum(['reset', 'unlock']), channel: z.string(), at: isoDate, result: z.string() })
    .optional(),
  lockout: storedLockoutSchema.optional(),
});

export const rowFactsKey = (userGuid: string) => ({ pk: `USER#${userGuid}`, sk: 'ROWFACTS' });
const lockedListKey = (sk: string) => ({ pk: listPartitionOf('locked-now'), sk });

export class DynamoUserRowFacts {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly options: { tableName: string },
  ) {}

  /** Tracks a user from now on: their device count and last reset or unlock, unless tracked already. */
  async backfill(userGuid: string, facts: Pick<UserRowFacts, 'activeDevices' | 'lastResetOrUnlock'>): Promise<void> {
    const last = facts.lastResetOrUnlock;
    await this.ifTracked(false, userGuid, {
      UpdateExpression: `SET userGuid = :guid, kind = :kind, activeDevices = :devices${last ? ', lastResetOrUnlock = if_not_exists(lastResetOrUnlock, :last)' : ''}`,
      ExpressionAttributeValues: {
        ':guid': userGuid,
        ':kind': 'user-row-facts',
        ':devices': facts.activeDevices,
        ...(last ? { ':last': { ...last, at: last.at.toISOString() } } : {}),
      },
    });
  }

  /** A new enrollment: nothing bound, nothing done yet, so its facts are known from the start. */
  async startTracking(userGuid: string): Promise<void> {
    await this.backfill(userGuid, { activeDevices: 0 });
  }

  /** A device bound (+1) or revoked (-1). */
  async devicesChanged(userGuid: string, delta: 1 | -1): Promise<void> {
    try {
      await this.ifTracked(true, userGuid, {
        UpdateExpression: 'ADD activeDevices :delta',
        ExpressionAttributeValues: { ':delta': delta },
      });
    } catch {
      // The device is bound or revoked already: that must not fail. The count is dropped instead (best effort), so
      // the next page counts the devices themselves rather than show a count that missed this change.
      await this.client
        .send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key: rowFactsKey(userGuid),
            UpdateExpression: 'REMOVE activeDevices',
          }),
        )
        .catch(() => undefined);
    }
  }

  /** An audited reset or unlock; a success ends the recorded lockout (and takes the user off the locked-now list). */
  async recordResetOrUnlock(userGuid: string, last: NonNullable<UserRowFacts['lastResetOrUnlock']>): Promise<void> {
    const succeeded = last.result === 'success';
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: rowFactsKey(userGuid),
        UpdateExpression: `SET userGuid = :guid, kind = :kind, lastResetOrUnlock = :last${succeeded ? ' REMOVE lockout' : ''}`,
        ExpressionAttributeValues: {
          ':guid': userGuid,
          ':kind': 'user-row-facts',
          ':last': { ...last, at: last.at.toISOString() },
        },
        ReturnValues: 'UPDATED_OLD',
      }),
    );
    const ended = succeeded ? storedLockoutSchema.safeParse(Attributes?.['lockout']) : undefined;
    if (ended?.success) await this.removeFromLockedList(ended.data.listSk);
  }

  /** A lockout the scan handled: on the row, and on the locked-now list until it ends or a reset or unlock succeeds. */
  async recordLockout(userGuid: string, lockout: RecordedLockout): Promise<void> {
    const listSk = `${lockout.lockedAt.toISOString()}#${userGuid}`;
    await this.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: definedAttributes({
          ...lockedListKey(listSk),
          kind: 'user-search',
          userGuid,
          expiresAt: lockout.endsAt ? ttlSeconds(lockout.endsAt) : undefined,
        }),
      }),
    );
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: rowFactsKey(userGuid),
        UpdateExpression: 'SET userGuid = :guid, kind = :kind, lockout = :lockout',
        ExpressionAttributeValues: {
          ':guid': userGuid,
          ':kind': 'user-row-facts',
          ':lockout': definedAttributes({
            lockedAt: lockout.lockedAt.toISOString(),
            endsAt: lockout.endsAt?.toISOString(),
            listSk,
            alert: { ...lockout.alert, handledAt: lockout.alert.handledAt.toISOString() },
          }),
        },
        ReturnValues: 'UPDATED_OLD',
      }),
    );
    const previous = storedLockoutSchema.safeParse(Attributes?.['lockout']);
    if (previous.success && previous.data.listSk !== listSk) await this.removeFromLockedList(previous.data.listSk);
  }

  /** The users on the locked-now list. */
  async lockedNowUsers(): Promise<string[]> {
    const items = await queryAllItems(this.client, {
      TableName: this.options.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': listPartitionOf('locked-now') },
    });
    return [...new Set(items.map((item) => String(item['userGuid'])))];
  }

  /** AD no longer reports the user locked (unlocked outside Blink): off the row and the locked-now list. */
  async endLockout(userGuid: string): Promise<void> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: rowFactsKey(userGuid),
        UpdateExpression: 'REMOVE lockout',
        ReturnValues: 'UPDATED_OLD',
      }),
    );
    const ended = storedLockoutSchema.safeParse(Attributes?.['lockout']);
    if (ended.success) await this.removeFromLockedList(ended.data.listSk);
  }

  private async removeFromLockedList(listSk: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.options.tableName, Key: lockedListKey(listSk) }));
  }

  /** An update of the user's row facts that holds only when the user is (or is not yet) tracked. */
  private async ifTracked(
    tracked: boolean,
    userGuid: string,
    update: { UpdateExpression: string; ExpressionAttributeValues: Record<string, unknown> },
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: rowFactsKey(userGuid),
          ...update,
          ConditionExpression: tracked ? 'attribute_exists(activeDevices)' : 'attribute_not_exists(activeDevices)',
        }),
      );
    } catch (error) {
      // Untracked: the first page that shows the user counts from the devices. Tracked already: nothing to backfill.
      if (!isConditionFailure(error)) throw error;
    }
  }
}
