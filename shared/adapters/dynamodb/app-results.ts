import * as z from 'zod';
import { NotFoundError } from '../../domain/errors.js';
import type { AppRequestRecipient, AppRequestResult, AppRequestResults } from '../../ports/password-delivery.js';
import { isConditionFailure, validUntil } from './table.js';
import { BlinkTableAdapter, type TableKey } from './table-adapter.js';

/*
 * Item layout (single table, see table.ts):
 *   app result   pk APPRESULT#<jobId>   sk DEVICE#<deviceId>   userGuid, state, jwe? (password-ready only),
 *                message? (failed only), validUntil (ISO, checked in code), expiresAt (TTL)
 * States: pending → password-ready | unlocked | not-locked | failed; password-ready → taken (the jwe is removed in the
 * same conditional write that hands it out, so two concurrent takes cannot both get it).
 */

const storedStates = ['pending', 'password-ready', 'unlocked', 'not-locked', 'failed', 'taken'] as const;

const resultItemSchema = z.object({
  userGuid: z.string(),
  state: z.enum(storedStates),
  jwe: z.string().optional(),
  message: z.string().optional(),
  validUntil: z.iso.datetime().transform((value) => new Date(value)),
});

export const passwordDeliveryKeys = {
  result: (jobId: string, deviceId: string) => ({ pk: `APPRESULT#${jobId}`, sk: `DEVICE#${deviceId}` }),
};

type Outcome = Exclude<AppRequestResult, { state: 'pending' | 'password-ready' | 'gone' }>;

export class DynamoAppResults extends BlinkTableAdapter implements AppRequestResults {
  async open(recipient: AppRequestRecipient, expiresAt: Date): Promise<void> {
    await this.putItem(
      {
        ...passwordDeliveryKeys.result(recipient.jobId, recipient.deviceId),
        kind: 'app-result',
        userGuid: recipient.userGuid,
        state: 'pending',
        ...validUntil(expiresAt),
      },
      // A job id is new for every request: an existing item means a bug, never something to overwrite.
      { ConditionExpression: 'attribute_not_exists(pk)' },
    );
  }

  async deliverOutcome(recipient: AppRequestRecipient, outcome: Outcome, expiresAt: Date): Promise<void> {
    await this.answer(
      recipient,
      outcome.state === 'failed' ? { state: 'failed', message: outcome.message } : { state: outcome.state },
      expiresAt,
    );
  }

  async isAwaiting(recipient: AppRequestRecipient, now: Date): Promise<boolean> {
    const item = await this.getItem(passwordDeliveryKeys.result(recipient.jobId, recipient.deviceId));
    if (!item) return false;
    const stored = resultItemSchema.parse(item);
    return (
      stored.userGuid === recipient.userGuid &&
      stored.state === 'pending' &&
      now.getTime() < stored.validUntil.getTime()
    );
  }

  async take(jobId: string, deviceId: string, now: Date): Promise<AppRequestResult | undefined> {
    const key = passwordDeliveryKeys.result(jobId, deviceId);
    const item = await this.getItem(key);
    if (!item) return undefined;
    const stored = resultItemSchema.parse(item);
    // Expiry is checked here: TTL deletes items up to days late (and dynalite never does).
    const expired = now.getTime() >= stored.validUntil.getTime();
    switch (stored.state) {
      case 'pending':
        return expired ? { state: 'gone' } : { state: 'pending' };
      case 'unlocked':
      case 'not-locked':
        return expired ? { state: 'gone' } : { state: stored.state };
      case 'failed':
        return expired ? { state: 'gone' } : { state: 'failed', message: stored.message ?? '' };
      case 'taken':
        return { state: 'gone' };
      case 'password-ready':
        return this.takePassword(key, now, expired);
    }
  }

  /** Hands the JWE out once: the state changes and the ciphertext is removed in one conditional write. */
  private async takePassword(key: TableKey, now: Date, expired: boolean): Promise<AppRequestResult> {
    try {
      const Attributes = await this.markTaken(key, now, 'by-app');
      const jwe = z.object({ jwe: z.string().min(1) }).parse(Attributes).jwe;
      return { state: 'password-ready', jwe };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // Someone took it first, or it expired: drop an expired ciphertext too (nobody will ever fetch it).
      if (expired) await this.discardExpired(key, now);
      return { state: 'gone' };
    }
  }

  private async discardExpired(key: TableKey, now: Date): Promise<void> {
    try {
      await this.markTaken(key, now, 'on-expiry');
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /**
   * Moves a ready result to `taken` and removes its ciphertext, in one conditional write: by the app only while it is
   * valid (recording when, and returning the old item with the ciphertext), on expiry only once it is not.
   */
  private async markTaken(
    key: TableKey,
    now: Date,
    how: 'by-app' | 'on-expiry',
  ): Promise<Record<string, unknown> | undefined> {
    const byApp = how === 'by-app';
    const { Attributes } = await this.updateItem(key, {
      UpdateExpression: byApp ? 'SET #state = :taken, takenAt = :now REMOVE jwe' : 'SET #state = :taken REMOVE jwe',
      ConditionExpression: byApp ? '#state = :ready AND validUntil > :now' : '#state = :ready AND validUntil <= :now',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':taken': 'taken', ':ready': 'password-ready', ':now': now.toISOString() },
      ...(byApp ? { ReturnValues: 'ALL_OLD' as const } : {}),
    });
    return Attributes;
  }

  protected async answer(
    recipient: AppRequestRecipient,
    answer:
      | { state: 'password-ready'; jwe: string }
      | { state: 'unlocked' | 'not-locked' }
      | { state: 'failed'; message: string },
    expiresAt: Date,
  ): Promise<void> {
    try {
      await this.putItem(
        {
          // The answer first: its state and, by state, the JWE or the message; the keys can never come from it.
          ...answer,
          ...passwordDeliveryKeys.result(recipient.jobId, recipient.deviceId),
          kind: 'app-result',
          userGuid: recipient.userGuid,
          ...validUntil(expiresAt),
        },
        {
          // Only an opened request of this user, and never once its password was handed out.
          ConditionExpression: 'attribute_exists(pk) AND userGuid = :userGuid AND #state <> :taken',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':userGuid': recipient.userGuid, ':taken': 'taken' },
        },
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new NotFoundError('No open app request to answer.');
      throw error;
    }
  }
}
