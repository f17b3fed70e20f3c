import { DomainError } from './errors.js';
import type { IssuedSecret } from './issued-secret.js';
import { digestsEqual } from './one-time-secrets.js';

/** How a user may reset: by texting from the verified phone, or from the bound app. */
export interface EnrollmentMethods {
  sms: boolean;
  app: boolean;
}

/** Reminder channels a user chose (absent: not chosen). */
export interface ExpiryReminderChoice {
  sms?: boolean;
  push?: boolean;
}

/** A user's standing with Blink. Keyed by the AD objectGUID, which never changes when the account is renamed or moved. */
export interface Enrollment {
  userGuid: string;
  dn: string;
  samAccountName: string;
  displayName: string;
  /** The sign-in name user@domain, as AD had it at activation (absent for enrollments made before it was kept). */
  userPrincipalName?: string;
  mail: string;
  status: 'activated' | 'active' | 'revoked';
  /** Verified mobile number in E.164, once the SMS path has been completed. */
  phoneE164?: string;
  /** The number the latest verification code was sent to; becomes `phoneE164` when that code is entered. */
  pendingPhoneE164?: string;
  /**
   * Blink's number the verification SMS came from, which the user saved at setup: alerts and notices Blink starts
   * itself (lockout alerts, setup complete) go from it, so they land in the thread the user knows.
   */
  senderNumber?: string;
  methods: EnrollmentMethods;
  /**
   * Password-expiry reminders the user chose besides email: by SMS (at setup) and by app push (in the app's
   * settings). The admin's PASSWORD_EXPIRY_REMINDER_SMS / _PUSH turn a channel on for everyone regardless.
   */
  expiryReminders?: ExpiryReminderChoice;
  /** Wrong SMS codes in a row, across codes (a fresh code does not reset it); reset by the lock and by success. */
  verificationFailures: number;
  verificationLockedUntil?: Date;
  /** When the latest activation was issued. */
  activatedAt: Date;
  /** Keyed hash of the latest activation token (not the token), so device binding can consume it. */
  activationHash?: string;
  createdAt: Date;
  updatedAt: Date;
  /** Incremented on every save; guards against lost updates. */
  version: number;
}

/** Wrong SMS codes (across codes) before verification locks. */
export const MAX_VERIFICATION_FAILURES = 5;
/** How long verification stays locked once the limit is reached. */
export const VERIFICATION_LOCK_SECONDS = 3600;

/**
 * Whether a secret issued during setup (an SMS code, a binding code) still belongs to the enrollment's current
 * activation: a revocation, a re-activation or a secret issued before activations were recorded on it all say no.
 * The activation itself must also still be unused; callers consume it before acting.
 */
export function issuedUnderCurrentActivation(
  enrollment: Enrollment,
  secret: Pick<IssuedSecret, 'activationHash'>,
): boolean {
  if (enrollment.status === 'revoked' || secret.activationHash === undefined || enrollment.activationHash === undefined)
    return false;
  return digestsEqual(enrollment.activationHash, secret.activationHash);
}

/** The user is already enrolled and the caller did not ask to re-activate. */
export class AlreadyEnrolledError extends DomainError {
  readonly code = 'ALREADY_ENROLLED';
}

/**
 * A phone number as the setup page may show it: the country code and the last four digits only, e.g.
 * `+1 •••-•••-0123` for North American numbers and `+44 ••••••0123` elsewhere.
 */
export function maskPhoneNumber(e164: string, countryCallingCode: string): string {
  const national = e164.replace(/^\+/, '').slice(countryCallingCode.length);
  const lastFour = national.slice(-4);
  if (countryCallingCode === '1' && national.length === 10) return `+1 •••-•••-${lastFour}`;
  return `+${countryCallingCode} ${'•'.repeat(Math.max(0, national.length - 4))}${lastFour}`;
}
