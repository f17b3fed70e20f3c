import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { CallerCodeCheck, CallerVerificationKey } from '../../domain/caller-verification.js';
import type { CallerVerificationStore } from '../../ports/caller-verifications.js';
import { ttlSeconds, wroteIfConditionHeld } from './table.js';
import { BlinkTableAdapter } from './table-adapter.js';

/*
 * Item layout: pk PORTAL#CALLER#<user guid>, sk TECH#<sha256 of the technician's IdP subject>: codeHash (keyed),
 * validUntil, attempts, usedAt, verifiedUntil; expiresAt (TTL). One item per user and technician, so a verification
 * can never serve another user or another technician.
 */

const itemKey = (key: CallerVerificationKey) => ({
  pk: `PORTAL#CALLER#${key.userGuid}`,
  sk: `TECH#${createHash('sha256').update(key.technicianSubject).digest('base64url')}`,
});
const verifiedSchema = z.object({
  verifiedUntil: z.iso
    .datetime()
    .transform((value) => new Date(value))
    .optional(),
});

export class DynamoCallerVerificationStore extends BlinkTableAdapter implements CallerVerificationStore {
  async issue(key: CallerVerificationKey, code: { hash: string; issuedAt: Date; expiresAt: Date }): Promise<void> {
    await this.putItem({
      ...itemKey(key),
      kind: 'caller-verification',
      codeHash: code.hash,
      issuedAt: code.issuedAt.toISOString(),
      validUntil: code.expiresAt.toISOString(),
      attempts: 0,
      expiresAt: ttlSeconds(new Date(code.expiresAt.getTime() + 86_400_000)),
    });
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
      this.updateItem(itemKey(key), {
        UpdateExpression: 'SET usedAt = :now, verifiedUntil = :until',
        ConditionExpression: `${live} AND codeHash = :hash`,
        ExpressionAttributeValues: {
          ':now': now.toISOString(),
          ':until': verifiedUntil.toISOString(),
          ':max': maxAttempts,
          ':hash': hash,
        },
      }),
    );
    if (verified) return 'verified';
    // A wrong code counts against the live code only; with no live code there is nothing to count against.
    const counted = await wroteIfConditionHeld(() =>
      this.updateItem(itemKey(key), {
        UpdateExpression: 'ADD attempts :one',
        ConditionExpression: live,
        ExpressionAttributeValues: { ':now': now.toISOString(), ':max': maxAttempts, ':one': 1 },
      }),
    );
    return counted ? 'wrong-code' : 'no-live-code';
  }

  async verifiedUntil(key: CallerVerificationKey): Promise<Date | undefined> {
    const item = await this.getItem(itemKey(key));
    return item ? verifiedSchema.parse(item).verifiedUntil : undefined;
  }
}
