/** A user's standing with Blink. Keyed by the AD objectGUID, which never changes when the account is renamed or moved. */
export interface Enrollment {
  userGuid: string;
  dn: string;
  samAccountName: string;
  displayName: string;
  mail: string;
  status: 'activated' | 'active' | 'revoked';
  /** Verified mobile number in E.164, once the SMS path has been completed. */
  phoneE164?: string;
  createdAt: Date;
  updatedAt: Date;
  /** Incremented on every save; guards against lost updates. */
  version: number;
}
