import type { CallerCodeCheck, CallerVerificationKey } from '../domain/caller-verification.js';

/** Codes sent for caller verification and the verifications they gave, per user and technician. */
export interface CallerVerificationStore {
  /** Stores a new code's keyed hash for this user and technician, replacing any earlier code and verification. */
  issue(key: CallerVerificationKey, code: { hash: string; issuedAt: Date; expiresAt: Date }): Promise<void>;
  /**
   * Checks a code atomically: the right hash of a live, unused code with tries left marks it used and verified until
   * `verifiedUntil`; a wrong one uses up a try.
   */
  check(
    key: CallerVerificationKey,
    hash: string,
    now: Date,
    verifiedUntil: Date,
    maxAttempts: number,
  ): Promise<CallerCodeCheck>;
  verifiedUntil(key: CallerVerificationKey): Promise<Date | undefined>;
}
