import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { SecretPurpose } from './issued-secret.js';

/** 256-bit URL-safe token for activation links and QR binding codes (≥ 128 bits required). */
export function generateToken(bytes = 32): string {
  if (bytes < 16) throw new RangeError('tokens need at least 128 bits');
  return randomBytes(bytes).toString('base64url');
}

/** Six-digit SMS code from the CSPRNG, uniformly distributed (leading zeros kept). */
export function generateSmsCode(): string {
  return randomInt(0, 1_000_000).toString().padStart(6, '0');
}

/**
 * The only form in which an issued secret is stored: HMAC-SHA-256 keyed with a server secret and bound to its
 * purpose, so a leaked table reveals nothing usable and a code of one kind never works as another.
 */
export function hashSecret(key: string, purpose: SecretPurpose, value: string): string {
  return createHmac('sha256', key).update(`${purpose}\0${value}`).digest('hex');
}

/** Constant-time comparison of two hex digests. */
export function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
