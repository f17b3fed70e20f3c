import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type {
  CallerApprovalAnswer,
  CallerApprovalState,
  CallerCodeCheck,
  CallerVerificationKey,
  PendingCallerApproval,
} from '../../domain/caller-verification.js';
import type { CallerVerificationStore } from '../../ports/caller-verifications.js';
import { queryAllItems, ttlSeconds, wroteIfConditionHeld } from './table.js';

/*
 * Item layout: pk PORTAL#CALLER#<user guid>, sk TECH#<sha256 of the technician's IdP subject>: codeHash (keyed),
 * validUntil, attempts, usedAt, verifiedUntil; expiresAt (TTL). One item per user and technician, so a verification
 * can never serve another user or another technician. An approval request to the app is the same item with
 * approvalId, approvalState (pending → approved | denied), technicianName and technicianActor instead of codeHash: a
 * new code replaces a request and the other way round. The approval id is no bearer secret (only a signed request of
 * one of the user's own devices can answer it), so it is stored as it is, to be listed to that device.
 */

const itemKey = (key: CallerVerificationKey) => ({
  pk: `PORTAL#CALLER#${key.userGuid}`,
  sk: `TECH#${createHash('sha256').update(key.technicianSubject).digest('base64url')}`,
});
const pendingSchema = z.object({
  approvalId: z.string(),
  technicianName: z.string(),
  validUntil: z.iso.datetime().transform((value) => new Date(value)),
});
const approvalSchema = z.object({
  approvalId: z.string().optional(),
  approvalState: z.enum(['pending', 'approved', 'denied']).optional(),
  validUntil: z.iso.datetime().transform((value) => new Date(value)),
  technicianActor: z.string().optional(),
  sk: z.string(),
});
const verifiedSchema = z.object({
  verifiedUntil: z.iso
    .datetime()
    .transform((value) => new Date(value))
    .optional(),
});

export class DynamoCallerVerificationStore implements CallerVerificationStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly options: { tableName: string },
  ) {}

  async issue(key: CallerVerificationKey, code: { hash: string; issuedAt: Date; expiresAt: Date }): Promise<void> {
    await this.replace(key, code, { codeHash: code.hash });
  }

  async check(
    key: CallerVerificationKey,
    hash: string,
    now: Date,
    verifiedUntil: Date,
    maxAttempts: number,
  ): Promise<CallerCodeCheck> {
    const live = 'attribute_exists(pk) AND attribute_not_exists(usedAt) AND validUntil > :now AND attempts < :max';
    const verified = await wroteIfConditionHeld(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: itemKey(key),
          UpdateExpression: 'SET usedAt = :now, verifiedUntil = :until',
          ConditionExpression: `${live} AND codeHash = :hash`,
          ExpressionAttributeValues: {
            ':now': now.toISOString(),
            ':until': verifiedUntil.toISOString(),
            ':max': maxAttempts,
            ':hash': hash,
          },
        }),
      ),
    );
    if (verified) return 'verified';
    // A wrong code counts against the live code only; with no live code there is nothing to count against.
    const counted = await wroteIfConditionHeld(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: itemKey(key),
          UpdateExpression: 'ADD attempts :one',
          ConditionExpression: live,
          ExpressionAttributeValues: { ':now': now.toISOString(), ':max': maxAttempts, ':one': 1 },
        }),
      ),
    );
    return counted ? 'wrong-code' : 'no-live-code';
  }

  async verifiedUntil(key: CallerVerificationKey): Promise<Date | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: itemKey(key), ConsistentRead: true }),
    );
    return Item ? verifiedSchema.parse(Item).verifiedUntil : undefined;
  }

  async requestApproval(
    key: CallerVerificationKey,
    request: { approvalId: string; technicianName: string; technicianActor: string; issuedAt: Date; expiresAt: Date },
  ): Promise<void> {
    const { approvalId, technicianName, technicianActor } = request;
    await this.replace(key, request, { approvalId, approvalState: 'pending', technicianName, technicianActor });
  }

  async pendingApprovals(userGuid: string, now: Date): Promise<PendingCallerApproval[]> {
    const items = await this.itemsOf(userGuid);
    return items
      .filter((item) => item['approvalState'] === 'pending')
      .map((item) => pendingSchema.parse(item))
      .filter((item) => item.validUntil.getTime() > now.getTime())
      .map(({ approvalId, technicianName, validUntil }) => ({ approvalId, technicianName, expiresAt: validUntil }));
  }

  async answerApproval(
    userGuid: string,
    approvalId: string,
    answer: CallerApprovalAnswer,
    now: Date,
    verifiedUntil: Date,
  ): Promise<{ technicianActor: string } | undefined> {
    const item = (await this.itemsOf(userGuid))
      .map((candidate) => approvalSchema.parse(candidate))
      .find((candidate) => candidate.approvalId === approvalId);
    if (!item) return undefined;
    // Once: the first answer to a live request flips it; a replayed or late one finds the condition false.
    const answered = await wroteIfConditionHeld(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: `PORTAL#CALLER#${userGuid}`, sk: item.sk },
          UpdateExpression:
            answer === 'approve'
              ? 'SET approvalState = :state, usedAt = :now, verifiedUntil = :until'
              : 'SET approvalState = :state, usedAt = :now',
          ConditionExpression:
            'approvalId = :id AND approvalState = :pending AND attribute_not_exists(usedAt) AND validUntil > :now',
          ExpressionAttributeValues: {
            ':id': approvalId,
            ':pending': 'pending',
            ':state': answer === 'approve' ? 'approved' : 'denied',
            ':now': now.toISOString(),
            ...(answer === 'approve' ? { ':until': verifiedUntil.toISOString() } : {}),
          },
        }),
      ),
    );
    return answered ? { technicianActor: item.technicianActor ?? 'unknown' } : undefined;
  }

  async approvalState(key: CallerVerificationKey, now: Date): Promise<CallerApprovalState> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: itemKey(key), ConsistentRead: true }),
    );
    if (!Item || Item['approvalId'] === undefined) return 'none';
    const item = approvalSchema.parse(Item);
    if (item.approvalState === 'pending' && item.validUntil.getTime() <= now.getTime()) return 'expired';
    return item.approvalState ?? 'none';
  }

  /** Puts this user's and technician's one item, replacing their earlier code, request and verification. */
  private async replace(
    key: CallerVerificationKey,
    times: { issuedAt: Date; expiresAt: Date },
    fields: Record<string, string>,
  ): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: {
          ...itemKey(key),
          kind: 'caller-verification',
          ...fields,
          issuedAt: times.issuedAt.toISOString(),
          validUntil: times.expiresAt.toISOString(),
          attempts: 0,
          expiresAt: ttlSeconds(new Date(times.expiresAt.getTime() + 86_400_000)),
        },
      }),
    );
  }

  /** Every code and request of this user (one item per technician who asked: a handful). */
  private itemsOf(userGuid: string): Promise<Record<string, unknown>[]> {
    return queryAllItems(this.client, {
      TableName: this.options.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `PORTAL#CALLER#${userGuid}` },
      ConsistentRead: true,
    });
  }
}
