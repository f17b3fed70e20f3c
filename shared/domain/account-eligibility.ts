import type { DirectoryUser } from './directory.js';

/** userAccountControl flags the product reads (MS-ADTS 2.2.16). */
export const userAccountControl = {
  accountDisabled: 0x2,
  normalAccount: 0x200,
  workstationTrust: 0x1000,
  serverTrust: 0x2000,
  dontExpirePassword: 0x10000,
} as const;

const fileTimeEpochOffsetMs = 11_644_473_600_000n;
const neverExpires = 9_223_372_036_854_775_807n;

/** AD FILETIME (100-ns intervals since 1601-01-01, as a decimal string) → Date; undefined for 0 and "never". */
export function fileTimeToDate(raw: string): Date | undefined {
  if (!/^\d+$/.test(raw)) return undefined;
  const value = BigInt(raw);
  if (value === 0n || value === neverExpires) return undefined;
  return new Date(Number(value / 10_000n - fileTimeEpochOffsetMs));
}

export type IneligibilityReason = 'disabled' | 'expired' | 'computer' | 'protected';

/**
 * Why an account must not be activated, reset or unlocked, judged from its directory entry. Protection (nested
 * membership of the admin groups) needs a directory query, so the caller passes that verdict in.
 */
export function ineligibilityOf(user: DirectoryUser, isProtected: boolean, now: Date): IneligibilityReason | undefined {
  const flags = user.userAccountControl;
  if (user.isComputer || flags & (userAccountControl.workstationTrust | userAccountControl.serverTrust))
    return 'computer';
  if (isProtected || user.adminCount === 1) return 'protected';
  if (flags & userAccountControl.accountDisabled) return 'disabled';
  const expiry = fileTimeToDate(user.accountExpires);
  if (expiry && expiry.getTime() <= now.getTime()) return 'expired';
  return undefined;
}
