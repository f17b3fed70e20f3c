import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import * as z from 'zod';

/** A device's public key as the app sends it at registration: an EC P-256 JWK (public part only). */
export const devicePublicKeySchema = z
  .object({
    kty: z.literal('EC'),
    crv: z.literal('P-256'),
    x: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
    y: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  })
  .strict();
export type DevicePublicKey = z.infer<typeof devicePublicKeySchema>;

/** Whether two public keys are the same point (a v2 device must register two different keys). */
export function samePublicKey(a: DevicePublicKey, b: DevicePublicKey): boolean {
  return a.x === b.x && a.y === b.y;
}

/** Header names of a signed device request. */
export const deviceHeaders = {
  deviceId: 'x-blink-device',
  timestamp: 'x-blink-timestamp',
  nonce: 'x-blink-nonce',
  signature: 'x-blink-signature',
} as const;

export interface DeviceRequestParts {
  method: string;
  path: string;
  /** Milliseconds since the epoch, as sent in the timestamp header. */
  timestamp: number;
  nonce: string;
  body: string;
}

/** What is signed: every part that matters, so no part of a captured request can be reused in another. */
export function canonicalDeviceRequest(parts: DeviceRequestParts): string {
  const bodyHash = createHash('sha256').update(parts.body, 'utf8').digest('hex');
  return [
    'BLINK-DEVICE-V1',
    parts.method.toUpperCase(),
    parts.path,
    String(parts.timestamp),
    parts.nonce,
    bodyHash,
  ].join('\n');
}

/** Signs as the app does (ECDSA P-256, SHA-256, r‖s encoding, base64url); used by the reference device client. */
export function signDeviceRequest(privateKey: KeyObject, parts: DeviceRequestParts): string {
  return sign('sha256', Buffer.from(canonicalDeviceRequest(parts)), {
    key: privateKey,
    dsaEncoding: 'ieee-p1363',
  }).toString('base64url');
}

export type DeviceSignatureVerdict = { ok: true } | { ok: false; reason: 'malformed' | 'stale' | 'bad-signature' };

/**
 * Checks the signature and the freshness of a device request. Replay inside the freshness window is stopped by the
 * caller, which records each nonce once (conditional write) for as long as the window lasts.
 */
export function verifyDeviceRequest(
  publicKey: DevicePublicKey,
  parts: DeviceRequestParts,
  signature: string,
  now: Date,
  maxSkewMs: number,
): DeviceSignatureVerdict {
  if (!Number.isSafeInteger(parts.timestamp) || !/^[A-Za-z0-9_-]{22,128}$/.test(parts.nonce))
    return { ok: false, reason: 'malformed' };
  if (!/^[A-Za-z0-9_-]{86}$/.test(signature)) return { ok: false, reason: 'malformed' };
  if (Math.abs(now.getTime() - parts.timestamp) > maxSkewMs) return { ok: false, reason: 'stale' };
  let key: KeyObject;
  try {
    key = createPublicKey({ key: publicKey, format: 'jwk' });
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const valid = verify(
    'sha256',
    Buffer.from(canonicalDeviceRequest(parts)),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  return valid ? { ok: true } : { ok: false, reason: 'bad-signature' };
}
