import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * How portal secrets (session ids, sign-in states) are stored and compared. They are 256-bit random values, so a plain
 * SHA-256 is enough to make a leaked table useless (no key needed, unlike 6-digit codes).
 */
export const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

/** Compares two secrets in constant time (through their digests, so lengths may differ). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
