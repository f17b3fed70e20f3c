import type {
  BadPasswordsOnDc,
  ChangeWatermark,
  Directory,
  DirectoryUser,
  LockoutScanOptions,
  LockoutScanResult,
  PasswordExpiryScanOptions,
  PasswordExpiryScanResult,
  PasswordPolicy,
  PolicySource,
  DirectoryWrite,
  PasswordWrite,
  ReplicationCheck,
  ReplicationConfirmOptions,
  ResetOptions,
} from '../../shared/ports/directory.js';

/** A domain password policy as AD's defaults write it (30-minute lockouts, no expiry); tests override what they test. */
export function domainPolicyOf(overrides: Partial<PasswordPolicy> = {}): PasswordPolicy {
  return {
    minLength: 7,
    complexity: true,
    historyLength: 24,
    lockoutThreshold: 5,
    lockoutDurationSeconds: 1800,
    lockoutObservationWindowSeconds: 1800,
    maxAgeSeconds: 0,
    minAgeSeconds: 0,
    source: { kind: 'domain' },
    ...overrides,
  };
}

/**
 * The Directory port with nothing in it: finds nobody, protects nobody, writes nothing, scans no locked accounts,
 * on a DC without USNs. Unit tests extend it with the part of AD their use case reads or writes, so that each fake
 * says only what it adds.
 */
export class EmptyDirectory implements Directory {
  constructor(readonly domainPolicy: PasswordPolicy) {}

  async findUserBySamAccountName(_samAccountName: string): Promise<DirectoryUser | undefined> {
    return undefined;
  }
  async findUserByUserPrincipalName(_upn: string): Promise<DirectoryUser | undefined> {
    return undefined;
  }
  async findUserByGuid(_objectGuid: string): Promise<DirectoryUser | undefined> {
    return undefined;
  }
  async listGroupMembers(_group: string): Promise<DirectoryUser[]> {
    return [];
  }
  async listUsersInOu(_ouDn: string): Promise<DirectoryUser[]> {
    return [];
  }
  async isProtected(_user: DirectoryUser): Promise<boolean> {
    return false;
  }
  async readDomainPolicy(): Promise<PasswordPolicy> {
    return this.domainPolicy;
  }
  async readEffectivePolicy(_user: DirectoryUser): Promise<PasswordPolicy> {
    return this.readDomainPolicy();
  }
  async readPolicy(_source: PolicySource): Promise<PasswordPolicy> {
    return this.readDomainPolicy();
  }
  async isLockedOut(_user: DirectoryUser): Promise<boolean> {
    return false;
  }
  async resetPassword(_user: DirectoryUser, _newPassword: string, _options: ResetOptions): Promise<PasswordWrite> {
    return { dc: 'fake-dc', url: 'ldaps://fake', version: 1, writtenAt: new Date(0) };
  }
  async unlock(_user: DirectoryUser): Promise<DirectoryWrite> {
    return { dc: 'fake-dc', url: 'ldaps://fake' };
  }
  /** A single-DC domain: no other DC to confirm. */
  async confirmPasswordReplication(
    _user: DirectoryUser,
    _write: PasswordWrite,
    _options: ReplicationConfirmOptions,
  ): Promise<ReplicationCheck[]> {
    return [];
  }
  async scanLockedAccounts(_options: LockoutScanOptions): Promise<LockoutScanResult> {
    return { locked: [], pages: 0, complete: true, incremental: false };
  }
  async readBadPasswords(_user: { dn: string }): Promise<BadPasswordsOnDc[]> {
    return [];
  }
  async readChangeWatermark(): Promise<ChangeWatermark | undefined> {
    return undefined;
  }
  async scanPasswordExpiries(_options: PasswordExpiryScanOptions): Promise<PasswordExpiryScanResult> {
    return { expiring: [], pages: 0, complete: true };
  }
  async checkHealth(): Promise<{ url: string }> {
    return { url: 'ldaps://fake' };
  }
  async close(): Promise<void> {}
}
