export type SecretPurpose = 'activation' | 'sms-code' | 'binding' | 'reset-confirmation';

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
}
