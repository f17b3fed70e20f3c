/** What happened to the SMS of a lockout alert. */
export type LockoutSmsOutcome = 'sent' | 'opted-out' | 'no-phone' | 'failed';

/**
 * One lockout event of an enrolled user, as the scan handled it: alerted (SMS and/or push), over the daily cap, or
 * with no way to reach the user. Kept so that admins can see whether a locked user was told (`npm run admin -- locked`).
 */
export interface LockoutAlertRecord {
  userGuid: string;
  /** AD's lockoutTime (FILETIME, decimal string): with userGuid, it names one lockout event. */
  lockoutTime: string;
  lockedAt: Date;
  handledAt: Date;
  outcome: 'alerted' | 'capped' | 'unreachable';
  sms: LockoutSmsOutcome | 'not-sent';
  /** Pushes accepted by the push service. */
  pushes: number;
  /** When the lockout ends by itself under the user's policy; absent when only an unlock ends it. */
  lockoutEndsAt?: Date;
  /** Sent during a mass-lockout event: its slot in the paced schedule of the SMS numbers. */
  scheduledFor?: Date;
}

export interface LockoutAlertLog {
  /** Stores the record of one lockout event (a later record of the same event replaces it). Kept at least until `keepUntil`. */
  record(alert: LockoutAlertRecord, keepUntil: Date): Promise<void>;
  find(userGuid: string, lockoutTime: string): Promise<LockoutAlertRecord | undefined>;
}

/** The newest lockout the scan recorded for a user, for the app's home screen when notifications are off. */
export interface RecentLockouts {
  /** The newest lockout event of the user whose record was made after `since`; undefined when there is none. */
  recordedSince(userGuid: string, since: Date): Promise<{ lockedAt: Date } | undefined>;
}

/**
 * The users the portal shows as locked now (the scan's records). A complete full scan knows every locked account, so
 * it takes off the users AD no longer reports locked (unlocked outside Blink).
 */
export interface LockedNowList {
  listed(): Promise<string[]>;
  unlist(userGuid: string): Promise<void>;
}
