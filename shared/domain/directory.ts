/** A user entry as read from Active Directory. */
export interface DirectoryUser {
  /** objectGUID in its canonical string form (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx). */
  objectGuid: string;
  dn: string;
  samAccountName: string;
  userPrincipalName?: string;
  displayName?: string;
  mail?: string;
  userAccountControl: number;
  adminCount: number;
  /** Raw accountExpires (100-ns intervals since 1601; "0" or 9223372036854775807 mean never). */
  accountExpires: string;
  /** Raw lockoutTime (100-ns intervals since 1601, "0" when not locked). */
  lockoutTime: string;
  isComputer: boolean;
}

export interface PasswordPolicy {
  minLength: number;
  complexity: boolean;
  historyLength: number;
  lockoutThreshold: number;
  lockoutDurationSeconds: number;
  lockoutObservationWindowSeconds: number;
  maxAgeSeconds: number;
  minAgeSeconds: number;
  /** Where the values come from: the domain root, or a fine-grained PSO (with its DN). */
  source: { kind: 'domain' } | { kind: 'pso'; dn: string };
}
