import type { Enrollment } from '../domain/enrollment.js';
import type { UserRowFacts } from '../domain/user-row.js';

/**
 * One user's row on the Users page: the enrollment and the row facts kept for it. `activeDevices` is absent while the
 * user's facts are not tracked yet (enrolled before they were kept): the reader computes and backfills them.
 */
export type UserRow = { enrollment: Enrollment } & Partial<UserRowFacts>;

/** Reads a page of Users rows in batches (never one request per user). */
export interface UserRows {
  /** The rows of these users, in the order asked; users without an enrollment are left out. */
  read(userGuids: string[]): Promise<UserRow[]>;
  /** Of these phone numbers, the ones that opted out of SMS. */
  optedOutAmong(phonesE164: string[]): Promise<Set<string>>;
  /** Starts tracking an untracked user's facts, computed from their devices and audit events. */
  backfill(userGuid: string, facts: Pick<UserRowFacts, 'activeDevices' | 'lastResetOrUnlock'>): Promise<void>;
}
