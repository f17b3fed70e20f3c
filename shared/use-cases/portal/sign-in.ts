import { createHash } from 'node:crypto';
import { generateToken } from '../../domain/one-time-secrets.js';
import { portalRolesOf, type PortalRole } from '../../domain/portal.js';
import type { PortalDependencies } from './dependencies.js';
import { portalActor } from './actor.js';
import { sameSecret, sha256 } from './tokens.js';

/** How long a person may take at the identity provider's login page. */
export const SIGN_IN_TTL_SECONDS = 600;

/**
 * Starts a sign-in: a fresh state, nonce and PKCE verifier (kept server-side under the state's hash, for 10 minutes).
 * The state also goes into a cookie of this browser, so the callback only completes in the browser that started it.
 */
export async function beginSignIn(deps: PortalDependencies): Promise<{ state: string; authorizationUrl: string }> {
  const state = generateToken();
  const nonce = generateToken();
  const codeVerifier = generateToken();
  const now = deps.clock.now();
  await deps.sessions.savePendingSignIn({
    stateHash: sha256(state),
    codeVerifier,
    nonce,
    expiresAt: new Date(now.getTime() + SIGN_IN_TTL_SECONDS * 1000),
  });
  const authorizationUrl = await deps.identityProvider.authorizationUrl({
    state,
    nonce,
    codeChallenge: createHash('sha256').update(codeVerifier).digest('base64url'),
  });
  return { state, authorizationUrl };
}

export type SignInOutcome =
  | { outcome: 'signed-in'; sessionId: string; name: string; roles: PortalRole[] }
  | { outcome: 'no-role'; name: string }
  | { outcome: 'failed'; reason: 'state-mismatch' | 'unknown-state' | 'expired' | 'provider-refused' };

/**
 * Finishes a sign-in at the callback: the state must be this browser's (cookie) and still pending (single use,
 * unexpired); the code is redeemed with its PKCE verifier and the ID token verified. People in neither role group are
 * refused (and audited); everyone else gets a new session whose id only the cookie holds.
 */
export async function completeSignIn(
  deps: PortalDependencies,
  request: { state: string; cookieState: string | undefined; code: string; requestId: string },
): Promise<SignInOutcome> {
  if (!request.cookieState || !sameSecret(request.state, request.cookieState))
    return { outcome: 'failed', reason: 'state-mismatch' };
  const pending = await deps.sessions.takePendingSignIn(sha256(request.state));
  if (!pending) return { outcome: 'failed', reason: 'unknown-state' };
  const now = deps.clock.now();
  if (pending.expiresAt.getTime() <= now.getTime()) return { outcome: 'failed', reason: 'expired' };
  let identity;
  try {
    identity = await deps.identityProvider.redeem({
      code: request.code,
      codeVerifier: pending.codeVerifier,
      nonce: pending.nonce,
    });
  } catch {
    return { outcome: 'failed', reason: 'provider-refused' };
  }
  const roles = portalRolesOf(identity.groups, deps.roleGroups);
  const actor = portalActor(identity);
  if (roles.length === 0) {
    await deps.auditLog.record({
      action: 'portal.sign-in',
      channel: 'admin',
      result: 'refused',
      reason: 'no-role',
      actor,
      requestId: request.requestId,
      at: now,
    });
    return { outcome: 'no-role', name: identity.name };
  }
  const sessionId = generateToken();
  await deps.sessions.createSession(
    {
      idHash: sha256(sessionId),
      subject: identity.subject,
      name: identity.name,
      roles,
      createdAt: now,
      lastSeenAt: now,
    },
    new Date(now.getTime() + deps.limits.absoluteSeconds * 1000),
  );
  await deps.auditLog.record({
    action: 'portal.sign-in',
    channel: 'admin',
    result: 'success',
    reason: roles[0],
    actor,
    requestId: request.requestId,
    at: now,
  });
  return { outcome: 'signed-in', sessionId, name: identity.name, roles };
}
