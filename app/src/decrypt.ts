import { compactDecrypt, decodeProtectedHeader } from 'jose';

/**
 * Opens the JWE the directory worker made for this device (ECDH-ES+A256KW / A256GCM to the device's encryption key).
 * The protected header names the device and the request: a JWE for another request is refused. Loaded only when a
 * password arrives, so the first screen does not carry JOSE.
 */
export async function decryptPassword(
  jwe: string,
  encryptionKey: CryptoKey,
  expected: { deviceId: string; requestId: string },
): Promise<string> {
  const header = decodeProtectedHeader(jwe);
  if (
    header.alg !== 'ECDH-ES+A256KW' ||
    header.enc !== 'A256GCM' ||
    header.kid !== expected.deviceId ||
    header['blink_request'] !== expected.requestId
  ) {
    throw new Error('The answer was not made for this request.');
  }
  const { plaintext } = await compactDecrypt(jwe, encryptionKey);
  return new TextDecoder().decode(plaintext);
}
