import type { PortalRole } from '../domain/portal.js';

/** A signed-in portal user's session. Only the SHA-256 of its id is stored; the id itself lives in the cookie. */
export interface PortalSession {
  idHash: string;
  /** The identity provider's subject and display name: who did it, in the audit log. */
  subject: string;
  name: string;
  roles: PortalRole[];
  createdAt: Date;
  lastSeenAt: Date;
}

/** An authorization request on its way through the identity provider (keyed by the SHA-256 of its state). */
export interface PendingSignIn {
  stateHash: string;
  codeVerifier: string;
  nonce: string;
  expiresAt: Date;
}

export interface PortalSessionStore {
  createSession(session: PortalSession, expiresAt: Date): Promise<void>;
  getSession(idHash: string): Promise<PortalSession | undefined>;
  recordActivity(idHash: string, at: Date): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
  savePendingSignIn(pending: PendingSignIn): Promise<void>;
  /** Removes and returns the pending sign-in (single use); undefined when unknown or already taken. */
  takePendingSignIn(stateHash: string): Promise<PendingSignIn | undefined>;
}
