import type { DirectoryUser, PasswordPolicy } from '../domain/directory.js';

// The directory's entities are domain types (eligibility and password rules read them); re-exported for the port's users.
export type { DirectoryUser, PasswordPolicy } from '../domain/directory.js';

export interface LockedAccount {
  objectGuid: string;
  dn: string;
  samAccountName: string;
  lockoutTime: string;
  lockedAt: Date;
}

export interface ResetOptions {
  /** Write pwdLastSet=0 so the user must change the password at next logon. */
  forceChange: boolean;
  /** Write lockoutTime=0 in the same modify. */
  unlock: boolean;
}

/**
 * Where a DC's change numbering stands (its root DSE). Every replicated write a DC applies, a lockout's lockoutTime
 * included, gives the object a uSNChanged above the DC's highestCommittedUSN before it; USNs are per DC.
 */
export interface ChangeWatermark {
  /** The DC's identity: its invocationId, which AD (and Samba) change when the DC's database is restored. */
  dc: string;
  /** The DC by name, for logs (its dnsHostName, else its NTDS Settings DN). */
  dcName: string;
  highestCommittedUsn: number;
}

export interface LockoutScanOptions {
  pageSize: number;
  /** Stop (and report `complete: false`) once this many milliseconds have passed. */
  timeBudgetMs: number;
  /**
   * Incremental: only users changed after this watermark (uSNChanged above its USN, an indexed search). Applied only
   * when the scan runs on that same DC and its USN has not gone back; otherwise the scan is a full one.
   */
  changedSince?: ChangeWatermark;
}

export interface LockoutScanResult {
  locked: LockedAccount[];
  pages: number;
  complete: boolean;
  /** True when `changedSince` was applied. */
  incremental: boolean;
  /** The scanned DC's watermark, read on the scan's connection before the search; undefined when the DC has none. */
  startedAt?: ChangeWatermark;
}

/**
 * Active Directory as the product needs it. Implementations look users up by escaped values or immutable ids only,
 * and throw the named errors of domain/errors.ts (AmbiguousUserError, PasswordRejectedError,
 * DirectoryUnavailableError).
 */
export interface Directory {
  findUserBySamAccountName(samAccountName: string): Promise<DirectoryUser | undefined>;
  findUserByUserPrincipalName(upn: string): Promise<DirectoryUser | undefined>;
  findUserByGuid(objectGuid: string): Promise<DirectoryUser | undefined>;
  /** Members (nested) of a group, by group name or DN; users only. */
  listGroupMembers(group: string): Promise<DirectoryUser[]>;
  /** Users below an OU. */
  listUsersInOu(ouDn: string): Promise<DirectoryUser[]>;
  /** True when the account must never be reset: adminCount=1, well-known admin accounts, nested protected groups. */
  isProtected(user: DirectoryUser): Promise<boolean>;
  readDomainPolicy(): Promise<PasswordPolicy>;
  /** The policy in force for this user: its resultant PSO when there is one, else the domain policy. */
  readEffectivePolicy(user: DirectoryUser): Promise<PasswordPolicy>;
  /** Whether AD currently considers the account locked (msDS-User-Account-Control-Computed & UF_LOCKOUT). */
  isLockedOut(user: DirectoryUser): Promise<boolean>;
  resetPassword(user: DirectoryUser, newPassword: string, options: ResetOptions): Promise<void>;
  unlock(user: DirectoryUser): Promise<void>;
  scanLockedAccounts(options: LockoutScanOptions): Promise<LockoutScanResult>;
  /** The DC this directory talks to now and its highestCommittedUSN; undefined when the DC publishes no USNs. */
  readChangeWatermark(): Promise<ChangeWatermark | undefined>;
  /**
   * Enabled users whose password expires within the horizon: a paged search bounded by pwdLastSet (from the domain's
   * maxPwdAge and every readable PSO's), each user's expiry read from msDS-UserPasswordExpiryTimeComputed.
   */
  scanPasswordExpiries(options: PasswordExpiryScanOptions): Promise<PasswordExpiryScanResult>;
  /** Binds and reads the root DSE; throws DirectoryUnavailableError when no DC answers. */
  checkHealth(): Promise<{ url: string }>;
  close(): Promise<void>;
}

/** An enabled user whose password expires (msDS-UserPasswordExpiryTimeComputed) within the scan's horizon. */
export interface ExpiringPassword {
  objectGuid: string;
  dn: string;
  samAccountName: string;
  /** Raw pwdLastSet (FILETIME, decimal string): with objectGuid, the order scans and their continuations walk in. */
  pwdLastSet: string;
  expiresAt: Date;
}

export interface PasswordExpiryScanOptions {
  /** Only passwords that expire after `now` and no later than `now` + horizonDays. */
  now: Date;
  horizonDays: number;
  pageSize: number;
  /** Stop reading (and report `complete: false`) once this many milliseconds have passed. */
  timeBudgetMs: number;
  /** Only users with pwdLastSet at or above this value (a continuation's starting point). */
  pwdLastSetFrom?: string;
}

export interface PasswordExpiryScanResult {
  /** Never-expiring (UF_DONT_EXPIRE_PASSWD), must-change (pwdLastSet=0) and disabled accounts are not included. */
  expiring: ExpiringPassword[];
  pages: number;
  complete: boolean;
}
