import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  devicePublicKeySchema,
  signDeviceRequest,
  verifyDeviceRequest,
  type DeviceRequestParts,
} from '../../shared/domain/device-signature.js';

function deviceKeys() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicJwk: devicePublicKeySchema.parse(publicKey.export({ format: 'jwk' })) };
}

const now = new Date('2026-11-26T12:00:00Z');
const request = (overrides: Partial<DeviceRequestParts> = {}): DeviceRequestParts => ({
  method: 'POST',
  path: '/api/device/reset',
  timestamp: now.getTime(),
  nonce: randomBytes(16).toString('base64url'),
  body: '{"action":"reset"}',
  ...overrides,
});

describe('device request signatures', () => {
  const { privateKey, publicJwk } = deviceKeys();

  it('accepts a request signed by the bound key', () => {
    const parts = request();
    expect(verifyDeviceRequest(publicJwk, parts, signDeviceRequest(privateKey, parts), now, 300_000)).toEqual({
      ok: true,
    });
  });

  it('refuses a request whose method, path, body, nonce or timestamp was changed after signing', () => {
    const parts = request();
    const signature = signDeviceRequest(privateKey, parts);
    for (const changed of [
      { ...parts, method: 'GET' },
      { ...parts, path: '/api/device/unlock' },
      { ...parts, body: '{"action":"unlock"}' },
      { ...parts, nonce: randomBytes(16).toString('base64url') },
      { ...parts, timestamp: parts.timestamp + 1 },
    ]) {
      expect(verifyDeviceRequest(publicJwk, changed, signature, now, 300_000)).toEqual({
        ok: false,
        reason: 'bad-signature',
      });
    }
  });

  it('refuses a signature made by another key', () => {
    const other = deviceKeys();
    const parts = request();
    expect(verifyDeviceRequest(publicJwk, parts, signDeviceRequest(other.privateKey, parts), now, 300_000)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('refuses stale and future-dated requests', () => {
    for (const timestamp of [now.getTime() - 300_001, now.getTime() + 300_001]) {
      const parts = request({ timestamp });
      expect(verifyDeviceRequest(publicJwk, parts, signDeviceRequest(privateKey, parts), now, 300_000)).toEqual({
        ok: false,
        reason: 'stale',
      });
    }
  });

  it('refuses malformed input without throwing', () => {
    const parts = request();
    expect(verifyDeviceRequest(publicJwk, parts, 'short', now, 300_000)).toEqual({ ok: false, reason: 'malformed' });
    expect(
      verifyDeviceRequest(publicJwk, { ...parts, nonce: 'x' }, signDeviceRequest(privateKey, parts), now, 300_000),
    ).toEqual({ ok: false, reason: 'malformed' });
    const notOnCurve = { ...publicJwk, x: publicJwk.y.split('').reverse().join('') };
    expect(verifyDeviceRequest(notOnCurve, parts, signDeviceRequest(privateKey, parts), now, 300_000).ok).toBe(false);
  });

  it('accepts only public EC P-256 JWKs', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
    expect(devicePublicKeySchema.safeParse(rsa).success).toBe(false);
    const withPrivatePart = deviceKeys().privateKey.export({ format: 'jwk' });
    expect(devicePublicKeySchema.safeParse(withPrivatePart).success).toBe(false);
  });
});
