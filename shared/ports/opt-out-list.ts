/**
 * Numbers that texted STOP (or another opt-out word) to us. Nothing is sent to them until they text START or UNSTOP.
 * Kept by Blink as well as by End User Messaging, so the product never even tries, and tests can see it.
 */
export interface OptOutList {
  optOut(phoneE164: string, at: Date): Promise<void>;
  optIn(phoneE164: string): Promise<void>;
  isOptedOut(phoneE164: string): Promise<boolean>;
}
