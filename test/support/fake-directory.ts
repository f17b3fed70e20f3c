import type * as port from '../../shared/ports/directory.js';

/** A domain password policy as AD's defaults write it (30-minute lockouts, no expiry); tests override what they test. */
export function domainPolicyOf(overrides: Partial<port.PasswordPolicy> = {}): port.PasswordPolicy {
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
export class EmptyDirectory implements port.Directory {
  constructor(readonly domainPolicy: port.PasswordPolicy) {}

  async findUserBySamAccountName(_samAccountName: string): Promise<port.DirectoryUser | undefined> {
    return undefined;
  }
  async findUserByUserPrincipalName(_upn: string): Promise<port.DirectoryUser | undefined> {
    return undefined;
  }
  async findUserByGuid(_objectGuid: string): Promise<port.DirectoryUser | undefined> {
    return undefined;
  }
  async listGroupMembers(_group: string): Promise<port.DirectoryUser[]> {
    return [];
  }
  async listUsersInOu(_ouDn: string): Promise<port.DirectoryUser[]> {
    return [];
  }
  async isProtected(_user: port.DirectoryUser): Promise<boolean> {
    return false;
  }
  async readDomainPolicy(): Promise<port.PasswordPolicy> {
    return this.domainPolicy;
  }
  async readEffectivePolicy(_user: port.DirectoryUser): Promise<port.PasswordPolicy> {
    return this.readDomainPolicy();
  }
  async readPolicy(_source: port.PolicySource): Promise<port.PasswordPolicy> {
    return this.readDomainPolicy();
  }
  async isLockedOut(_user: port.DirectoryUser): Promise<boolean> {
    return false;
  }
  async resetPassword(
    _user: port.DirectoryUser,
    _newPassword: string,
    _options: port.ResetOptions,
  ): Promise<port.PasswordWrite> {
    return { dc: 'fake-dc', url: 'ldaps://fake', version: 1, writtenAt: new Date(0) };
  }
  async unlock(_user: port.DirectoryUser): Promise<port.DirectoryWrite> {
    return { dc: 'fake-dc', url: 'ldaps://fake' };
  }
  /** A single-DC domain: no other DC to confirm. */
  async confirmPasswordReplication(
    _user: port.DirectoryUser,
    _write: port.PasswordWrite,
    _options: port.ReplicationConfirmOptions,
  ): Promise<port.ReplicationCheck[]> {
    return [];
  }
  async scanLockedAccounts(_options: port.LockoutScanOptions): Promise<port.LockoutScanResult> {
    return { locked: [], pages: 0, complete: true, incremental: false };
  }
  async readBadPasswords(_user: { dn: string }): Promise<port.BadPasswordsOnDc[]> {
    return [];
  }
  async readChangeWatermark(): Promise<port.ChangeWatermark | undefined> {
    return undefined;
  }
  async scanPasswordExpiries(_options: port.PasswordExpiryScanOptions): Promise<port.PasswordExpiryScanResult> {
    return { expiring: [], pages: 0, complete: true };
  }
  async checkHealth(): Promise<{ url: string }> {
    return { url: 'ldaps://fake' };
  }
  async close(): Promise<void> {}
}
