import type { DirectoryUser, PasswordPolicy } from '../domain/directory.js';

// The directory's entities are domain types (eligibility and password rules read them); re-exported for the port's users.
export type { DirectoryUser, PasswordPolicy } from '../domain/directory.js';

export interface LockedAccount {
  objectGuid: string;
  dn: string;
  samAccountName: string;
  lockoutTime: string;
  lockedAt: Date;
  /** Where the account's policy comes from (its msDS-ResultantPSO, else the domain), read with the scan. */
  policySource: PolicySource;
}

/** The domain root, or the fine-grained PSO (by DN) in force for a user. */
export type PolicySource = PasswordPolicy['source'];

export interface ResetOptions {
  /** Write pwdLastSet=0 so the user must change the password at next logon. */
  forceChange: boolean;
  /** Write lockoutTime=0 in the same modify. */
  unlock: boolean;
}

/** Which DC took a write (support asks "where was it done?" in a domain of several DCs). */
export interface DirectoryWrite {
  /** The DC's name (its dnsHostName, else its URL). */
  dc: string;
  /** The configured URL the write went to. */
  url: string;
}

/** Which DC took a password write, and the password's replication version there (the receipt confirmations start from). */
export interface PasswordWrite extends DirectoryWrite {
  /** unicodePwd's version on that DC after the write; undefined when the DC would not say (then nothing can be confirmed). */
  version?: number;
  writtenAt: Date;
}

/**
 * One other DC's answer to "has the new password reached you?": `caught-up` (and how long after the write it was
 * seen), `behind` when it had not by the deadline, `unreachable`, `not-configured` (a DC of the domain that is not in
 * the configured list, so it is never contacted), `unknown` when the written version was not readable.
 */
export interface ReplicationCheck {
  dc: string;
  state: 'caught-up' | 'behind' | 'unreachable' | 'not-configured' | 'unknown';
  /** For caught-up: milliseconds between the write and the check that saw it (a bound, polled). */
  seenAfterMs?: number;
}

/**
 * What one DC knows of an account's wrong passwords: badPwdCount and badPasswordTime are kept per DC (not
 * replicated), so the DC that counted them is the one the wrong passwords were tried on.
 */
export interface BadPasswordsOnDc {
  dc: string;
  state: 'read' | 'unreachable';
  /** badPwdCount on that DC (0 once the account is unlocked or signed in there). */
  count: number;
  /** badPasswordTime on that DC: the last wrong password it saw; undefined when never. */
  lastAt?: Date;
}

export interface ReplicationConfirmOptions {
  /** Stop polling the DCs that are behind after this long, counted from the start of the call. */
  timeoutMs: number;
  /** Between polls of the DCs still behind. */
  intervalMs: number;
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
  /** The policy a source holds: the domain's, or one PSO's (what readEffectivePolicy reads once it knows the source). */
  readPolicy(source: PolicySource): Promise<PasswordPolicy>;
  /** Whether AD currently considers the account locked (msDS-User-Account-Control-Computed & UF_LOCKOUT). */
  isLockedOut(user: DirectoryUser): Promise<boolean>;
  /** Writes to the PDC emulator when it answers, else to the next DC; says which DC took it. */
  resetPassword(user: DirectoryUser, newPassword: string, options: ResetOptions): Promise<PasswordWrite>;
  /** Like resetPassword: the PDC emulator first; says which DC took it. */
  unlock(user: DirectoryUser): Promise<DirectoryWrite>;
  /**
   * Polls the domain's other DCs, within the time given, until each has the password version of `write`; one answer per
   * DC other than the writer's (none for a single-DC domain).
   */
  confirmPasswordReplication(
    user: DirectoryUser,
    write: PasswordWrite,
    options: ReplicationConfirmOptions,
  ): Promise<ReplicationCheck[]>;
  scanLockedAccounts(options: LockoutScanOptions): Promise<LockoutScanResult>;
  /** badPwdCount and badPasswordTime on each configured DC of the domain (one answer per DC). */
  readBadPasswords(user: { dn: string }): Promise<BadPasswordsOnDc[]>;
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
