/**
 * The facts a Users page row shows beyond the enrollment itself, kept on one small item per user where the facts
 * change (device binding and revocation, every audited reset or unlock, each lockout the scan records), so a page
 * reads them for 25 users in one batch instead of querying each user's devices and audit events (docs/design/portal.md).
 */
export interface UserRowFacts {
  /** Bound devices not revoked. */
  activeDevices: number;
  lastResetOrUnlock?: { action: 'reset' | 'unlock'; channel: string; at: Date; result: string };
  /** The newest lockout the scan recorded, until a reset or unlock through Blink succeeds after it. */
  lockout?: RecordedLockout;
}

export interface RecordedLockout {
  lockedAt: Date;
  /** When it ends by itself; absent when only an unlock ends it. */
  endsAt?: Date;
  /** What the scan did: alerted (SMS and/or push), over the daily cap, or no way to reach the user. */
  alert: { outcome: 'alerted' | 'capped' | 'unreachable'; sms: string; pushes: number; handledAt: Date };
}

/** Audit actions that are a reset or an unlock of the account (self-service or by the help desk). */
export function resetOrUnlockOf(action: string): 'reset' | 'unlock' | undefined {
  const match = /^(?:portal\.)?(reset|unlock)$/.exec(action);
  return match ? (match[1] as 'reset' | 'unlock') : undefined;
}

/** Locked by the last scan's account, and the lockout has not run out by `now`. */
export function lockedNow(lockout: RecordedLockout | undefined, now: Date): boolean {
  return lockout !== undefined && (lockout.endsAt === undefined || lockout.endsAt.getTime() > now.getTime());
}
