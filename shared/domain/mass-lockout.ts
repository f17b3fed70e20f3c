/**
 * Mass lockouts (a password spray locks hundreds of accounts at once). One scan that finds more new lockouts than the
 * absolute threshold, or than the percentage of enrolled users, starts a mass-lockout event: admins are told first,
 * user alerts are paced to the SMS numbers' throughput and say that IT has been told, and UNLOCK or RESET by SMS needs
 * the confirmation code until the event ends.
 */
export interface MassLockoutThresholds {
  /** More new lockouts than this in one scan is a mass lockout (MASS_LOCKOUT_THRESHOLD). */
  absolute: number;
  /** More new lockouts than this share of enrolled users is one too (MASS_LOCKOUT_THRESHOLD_PERCENT; 0: off). */
  percent: number;
}

/**
 * The percentage rule needs at least this many new lockouts: in a team of 20, two people locked out on a Monday
 * morning is 10 %, not a spray.
 */
export const MASS_LOCKOUT_PERCENT_MINIMUM = 10;

/** Whether one scan's new lockouts make a mass lockout. `enrolled` is read only when the percentage rule needs it. */
export async function isMassLockout(
  newLockouts: number,
  thresholds: MassLockoutThresholds,
  enrolled: () => Promise<number>,
): Promise<boolean> {
  if (newLockouts > thresholds.absolute) return true;
  if (thresholds.percent === 0 || newLockouts < MASS_LOCKOUT_PERCENT_MINIMUM) return false;
  return newLockouts * 100 > thresholds.percent * (await enrolled());
}

/** A recorded mass-lockout event: from the scan that found it until `endsAt` (later mass scans move it). */
export interface MassLockoutEvent {
  startedAt: Date;
  endsAt: Date;
  /** New lockouts counted by the scans of this event. */
  lockouts: number;
}
