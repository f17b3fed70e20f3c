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

/**
 * The other way to verify a caller: an approval request to the user's bound app. The app shows the technician's name
 * and the user approves (signed by the device's key, with Touch ID/Face ID where the device uses it) or denies. A
 * request lives 5 minutes, is answered once, and an approval verifies exactly as a code does: that technician, that
 * user, CALLER_VERIFIED_FOR_SECONDS. Requests share the codes' hourly cap per user, so a caller cannot flood the
 * user's phone with prompts to approve (push fatigue).
 */
export const CALLER_APPROVAL_TTL_SECONDS = 300;

export type CallerApprovalAnswer = 'approve' | 'deny';
/** What the technician's page sees of the latest request (none: no request, or a code was sent since). */
export type CallerApprovalState = 'none' | 'pending' | 'approved' | 'denied' | 'expired';

/** A request the app lists: whom it is from and until when it can be answered. */
export interface PendingCallerApproval {
  approvalId: string;
  technicianName: string;
  expiresAt: Date;
}

/** The Web Push that tells the app a request is waiting (nothing secret: the app fetches the request signed). */
export function callerApprovalPush(productName: string, technicianName: string) {
  return {
    title: `${productName}: your help desk is asking to verify you`,
    body: `${technicianName} from your help desk is asking you to confirm it is you on the phone. Open ${productName} to approve or deny.`,
    data: { kind: 'caller-approval', url: '/app/?action=approve-caller' },
    actions: [],
  };
}
