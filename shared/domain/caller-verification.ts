/**
 * Caller verification (issue 12, "beyond the field"): before a technician may unlock or reset, the caller reads back a
 * code Blink texted to the user's verified phone. The code follows the enrollment codes' rules: 6 digits from the
 * CSPRNG, stored only as a keyed hash, single use, valid 10 minutes, 5 tries. A verification then lets that technician,
 * and nobody else, act on that user, and no other, for 10 minutes.
 */
export const CALLER_CODE_TTL_SECONDS = 600;
export const CALLER_CODE_MAX_ATTEMPTS = 5;
export const CALLER_VERIFIED_FOR_SECONDS = 600;
/** Caller codes per user per hour, whichever technicians ask: each is a text to the user's phone (and a cost). */
export const CALLER_CODES_PER_USER_PER_HOUR = 5;

/** What a verification is bound to besides the user: the technician's IdP subject. */
export interface CallerVerificationKey {
  userGuid: string;
  technicianSubject: string;
}

export type CallerCodeCheck = 'verified' | 'wrong-code' | 'no-live-code';

/** Whether a recorded verification lets this technician act on this user now. */
export function callerVerifiedNow(verifiedUntil: Date | undefined, now: Date): boolean {
  return verifiedUntil !== undefined && verifiedUntil.getTime() > now.getTime();
}

/** The text sent to the user's phone: what it is for, and that it is for reading to the help desk only. */
export function callerCodeSms(productName: string, code: string, technicianName: string): string {
  return `${productName}: your help desk (${technicianName}) is checking that they are speaking with you. If you are on the phone with them, read them this code: ${code}. It expires in 10 minutes. If you did not call them, do not share it.`;
}
