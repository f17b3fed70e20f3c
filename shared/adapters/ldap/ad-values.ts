/** Conversions of AD's attribute encodings (MS-ADTS / MS-DTYP). */

const HUNDRED_NS_PER_SECOND = 10_000_000n;
/** The largest negative Int64: how AD spells "never" / "forever" in duration attributes. */
const NEVER_DURATION = -9_223_372_036_854_775_808n;
/** Milliseconds between 1601-01-01 (FILETIME epoch) and 1970-01-01. */
const FILETIME_EPOCH_OFFSET_MS = 11_644_473_600_000n;

/**
 * Seconds for a duration attribute (maxPwdAge, lockoutDuration, msDS-LockoutDuration…), stored as a negative count of
 * 100-ns intervals in a decimal string. 0 stands for "never" / "until an administrator unlocks", as AD's own 0 does.
 */
export function adDurationToSeconds(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 0;
  const intervals = BigInt(value.trim());
  if (intervals === NEVER_DURATION) return 0;
  const magnitude = intervals < 0n ? -intervals : intervals;
  return Number(magnitude / HUNDRED_NS_PER_SECOND);
}

/** A FILETIME (100-ns intervals since 1601, decimal string) as a Date; undefined for 0 / never / garbage. */
export function fileTimeToDate(value: string | undefined): Date | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const intervals = BigInt(value);
  if (intervals === 0n || intervals >= 9_223_372_036_854_775_807n) return undefined;
  return new Date(Number(intervals / 10_000n - FILETIME_EPOCH_OFFSET_MS));
}

/** The string form (S-1-5-21-…) of a binary objectSid. */
export function formatSid(bytes: Buffer): string {
  const revision = bytes.readUInt8(0);
  const subAuthorityCount = bytes.readUInt8(1);
  const authority = bytes.readUIntBE(2, 6);
  const parts = [`S-${revision}-${authority}`];
  for (let index = 0; index < subAuthorityCount; index += 1) parts.push(String(bytes.readUInt32LE(8 + index * 4)));
  return parts.join('-');
}

/** The quoted UTF-16LE value AD requires in unicodePwd. */
export function encodeUnicodePwd(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

export const UF_ACCOUNTDISABLE = 0x2;
export const UF_LOCKOUT = 0x10;
export const UF_DONT_EXPIRE_PASSWD = 0x10000;
export const UF_PASSWORD_EXPIRED = 0x800000;

/** A Date as a FILETIME (100-ns intervals since 1601, decimal string), for filters on pwdLastSet and the like. */
export function dateToFileTime(date: Date): string {
  return String((BigInt(date.getTime()) + FILETIME_EPOCH_OFFSET_MS) * 10_000n);
}
