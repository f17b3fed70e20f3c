import type {
  CallerApprovalAnswer,
  CallerApprovalState,
  CallerCodeCheck,
  CallerVerificationKey,
  PendingCallerApproval,
} from '../domain/caller-verification.js';

/**
 * Codes sent for caller verification, approval requests sent to the user's app, and the verifications they gave, per
 * user and technician (one live request each: a new code or approval request replaces the earlier one).
 */
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
  /** Stores a new approval request for the user's app, replacing any earlier code, request and verification. */
  requestApproval(
    key: CallerVerificationKey,
    request: { approvalId: string; technicianName: string; technicianActor: string; issuedAt: Date; expiresAt: Date },
  ): Promise<void>;
  /** The user's requests still waiting for an answer at `now`, whichever technician sent them. */
  pendingApprovals(userGuid: string, now: Date): Promise<PendingCallerApproval[]>;
  /**
   * Answers a live, unanswered request of this user once (conditional write): approve verifies its technician until
   * `verifiedUntil`, deny ends it. Undefined when there is no such live request (unknown, answered, expired, replaced).
   */
  answerApproval(
    userGuid: string,
    approvalId: string,
    answer: CallerApprovalAnswer,
    now: Date,
    verifiedUntil: Date,
  ): Promise<{ technicianActor: string } | undefined>;
  /** The state of this technician's latest approval request for this user. */
  approvalState(key: CallerVerificationKey, now: Date): Promise<CallerApprovalState>;
}
