export type SecretPurpose =
  'activation' | 'sms-code' | 'binding' | 'reset-confirmation' | 'webauthn-challenge' | 'caller-verification';

/**
 * A one-time secret we issued (activation link token, SMS code, QR binding code), as stored: only its keyed hash
 * (HMAC-SHA-256), never the value.
 */
export interface IssuedSecret {
  purpose: SecretPurpose;
  hash: string;
  userGuid: string;
  issuedAt: Date;
  expiresAt: Date;
  usedAt?: Date;
  /**
   * Hash of the activation under which an SMS code or a binding code was issued. Such a secret works only while that
   * activation is the enrollment's current one and unused: it dies with a revocation, a new activation or a finished
   * setup. A code without it is refused.
   */
  activationHash?: string;
  /** SMS codes: the number the code was sent to, the only number that entering the code can verify. */
  phoneE164?: string;
}
