import * as z from 'zod';
import type { PendingSignIn, PortalSession, PortalSessionStore } from '../../ports/portal-sessions.js';
import { ttlSeconds, validUntil, wroteIfConditionHeld } from './table.js';
import { BlinkTableAdapter } from './table-adapter.js';

/*
 * Item layout: pk PORTAL#SESSION#<sha256 of the session id>, sk SESSION (subject, name, roles, createdAt, lastSeenAt);
 * pk PORTAL#SIGNIN#<sha256 of the state>, sk SIGNIN (PKCE verifier and nonce of a sign-in under way). expiresAt (TTL)
 * on both; readers check the times themselves, since TTL deletes up to days late.
 */

const sessionKey = (idHash: string) => ({ pk: `PORTAL#SESSION#${idHash}`, sk: 'SESSION' });
const signInKey = (stateHash: string) => ({ pk: `PORTAL#SIGNIN#${stateHash}`, sk: 'SIGNIN' });

const sessionSchema = z.object({
  idHash: z.string(),
  subject: z.string(),
  name: z.string(),
  roles: z.array(z.enum(['admin', 'technician'])),
  createdAt: z.iso.datetime().transform((value) => new Date(value)),
  lastSeenAt: z.iso.datetime().transform((value) => new Date(value)),
});
const signInSchema = z.object({
  stateHash: z.string(),
  codeVerifier: z.string(),
  nonce: z.string(),
  validUntil: z.iso.datetime().transform((value) => new Date(value)),
});

export class DynamoPortalSessionStore extends BlinkTableAdapter implements PortalSessionStore {
  async createSession(session: PortalSession, expiresAt: Date): Promise<void> {
    await this.putItem(
      {
        ...sessionKey(session.idHash),
        kind: 'portal-session',
        ...session,
        createdAt: session.createdAt.toISOString(),
        lastSeenAt: session.lastSeenAt.toISOString(),
        expiresAt: ttlSeconds(expiresAt),
      },
      { ConditionExpression: 'attribute_not_exists(pk)' },
    );
  }

  async getSession(idHash: string): Promise<PortalSession | undefined> {
    const item = await this.getItem(sessionKey(idHash));
    return item ? sessionSchema.parse(item) : undefined;
  }

  async recordActivity(idHash: string, at: Date): Promise<void> {
    await wroteIfConditionHeld(() =>
      this.updateItem(sessionKey(idHash), {
        UpdateExpression: 'SET lastSeenAt = :at',
        // Never on a session signed out meanwhile (the update would create a bare item), never backwards.
        ConditionExpression: 'attribute_exists(pk) AND lastSeenAt < :at',
        ExpressionAttributeValues: { ':at': at.toISOString() },
      }),
    );
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.deleteItem(sessionKey(idHash));
  }

  async savePendingSignIn(pending: PendingSignIn): Promise<void> {
    await this.putItem({
      ...signInKey(pending.stateHash),
      kind: 'portal-sign-in',
      stateHash: pending.stateHash,
      codeVerifier: pending.codeVerifier,
      nonce: pending.nonce,
      ...validUntil(pending.expiresAt),
    });
  }

  async takePendingSignIn(stateHash: string): Promise<PendingSignIn | undefined> {
    // One delete returning the old item: of two callbacks with the same state, only one gets it.
    const { Attributes } = await this.deleteItem(signInKey(stateHash), { ReturnValues: 'ALL_OLD' });
    if (!Attributes) return undefined;
    const { validUntil, ...pending } = signInSchema.parse(Attributes);
    return { ...pending, expiresAt: validUntil };
  }
}
