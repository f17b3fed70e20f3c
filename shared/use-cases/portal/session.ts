import { createHmac } from 'node:crypto';
import { ForbiddenError, SignedOutError } from '../../domain/errors.js';
import {
  portalSessionEndsAt,
  portalSessionState,
  SESSION_ACTIVITY_PRECISION_SECONDS,
  type PortalRole,
} from '../../domain/portal.js';
import type { PortalSession } from '../../ports/portal-sessions.js';
import type { PortalDependencies } from './dependencies.js';
import { portalActor } from './actor.js';
import { sameSecret, sha256 } from './tokens.js';

/** A signed-in portal user, as every portal action receives them. */
export interface PortalUser {
  subject: string;
  name: string;
  roles: PortalRole[];
  /** Who did it, in the audit log: the IdP subject and name. */
  actor: string;
  /** The session's CSRF token (derived from its id; the page sends it back with every change). */
  csrfToken: string;
  endsAt: Date;
  idHash: string;
}

/**
 * The CSRF synchronizer token of a session: an HMAC of the purpose under the session id. Only someone holding the
 * session cookie can compute it, it dies with the session, and nothing extra is stored.
 */
export function csrfTokenFor(sessionId: string): string {
  return createHmac('sha256', sessionId).update('blink-portal-csrf').digest('base64url');
}

/**
 * The live session behind a cookie, or SignedOutError. A session past its idle or absolute limit is deleted on sight.
 * Activity is recorded at most once a minute.
 */
export async function authenticate(deps: PortalDependencies, sessionId: string | undefined): Promise<PortalUser> {
  if (!sessionId) throw new SignedOutError('Sign in to use the portal.');
  const idHash = sha256(sessionId);
  const session = await deps.sessions.getSession(idHash);
  if (!session) throw new SignedOutError('Sign in to use the portal.');
  const now = deps.clock.now();
  const state = portalSessionState(session, now, deps.limits);
  if (state !== 'live') {
    await deps.sessions.deleteSession(idHash);
    throw new SignedOutError(
      state === 'idle'
        ? 'Your session ended after a time without activity. Sign in again.'
        : 'Your session ended. Sign in again.',
    );
  }
  let current: PortalSession = session;
  if (now.getTime() - session.lastSeenAt.getTime() >= SESSION_ACTIVITY_PRECISION_SECONDS * 1000) {
    await deps.sessions.recordActivity(idHash, now);
    current = { ...session, lastSeenAt: now };
  }
  return {
    subject: session.subject,
    name: session.name,
    roles: session.roles,
    actor: portalActor(session),
    csrfToken: csrfTokenFor(sessionId),
    endsAt: portalSessionEndsAt(current, deps.limits),
    idHash,
  };
}

/** A change must carry the session's CSRF token. */
export function requireCsrfToken(user: PortalUser, presented: string | undefined): void {
  if (!presented || !sameSecret(presented, user.csrfToken))
    throw new ForbiddenError('This request lacks the page’s security token. Reload the page.');
}

export function requireRole(user: PortalUser, role: PortalRole): void {
  if (!user.roles.includes(role)) throw new ForbiddenError('Your role does not allow this.');
}

export async function signOut(deps: PortalDependencies, user: PortalUser, requestId: string): Promise<void> {
  await deps.sessions.deleteSession(user.idHash);
  await deps.auditLog.record({
    action: 'portal.sign-out',
    channel: 'admin',
    result: 'success',
    actor: user.actor,
    requestId,
    at: deps.clock.now(),
  });
}
