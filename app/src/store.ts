/**
 * What the app keeps on the phone, in IndexedDB: the device's two private keys as non-extractable CryptoKeys (only
 * their public halves ever left the phone, at registration), the account it is linked to, the unlock method and, for
 * a PIN, only a slow-KDF verifier of it. Never a password.
 */
export type UnlockMethod = 'none' | 'pin' | 'biometric';

export interface PinVerifier {
  salt: Uint8Array;
  hash: Uint8Array;
  iterations: number;
}

export interface LinkedDevice {
  deviceId: string;
  account: { displayName: string; samAccountName: string };
  signingKey: CryptoKey;
  encryptionKey: CryptoKey;
  unlockMethod: UnlockMethod;
  pin?: PinVerifier;
  /** Wrong PINs in a row; the keys are wiped at MAX_PIN_FAILURES. */
  pinFailures: number;
  /** The WebAuthn credential registered at binding (biometric). */
  credentialId?: string;
}

const DB_NAME = 'blink-app';
const STORE = 'device';
const KEY = 'current';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB could not be opened'));
  });
}

async function run<T>(mode: IDBTransactionMode, action: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = action(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error ?? new Error('IndexedDB request failed'));
    });
  } finally {
    db.close();
  }
}

export async function loadDevice(): Promise<LinkedDevice | undefined> {
  return (await run('readonly', (store) => store.get(KEY) as IDBRequest<LinkedDevice | undefined>)) ?? undefined;
}

export async function saveDevice(device: LinkedDevice): Promise<void> {
  await run('readwrite', (store) => store.put(device, KEY));
}

/** Removes the keys and everything else: after unlinking, a revocation, or too many wrong PINs. */
export async function wipeDevice(): Promise<void> {
  await run('readwrite', (store) => store.delete(KEY));
}

/** A fresh signing key pair (ECDSA) and encryption key pair (ECDH), both P-256, private halves non-extractable. */
export async function generateDeviceKeys(): Promise<{ signing: CryptoKeyPair; encryption: CryptoKeyPair }> {
  const [signing, encryption] = await Promise.all([
    crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']),
    crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']),
  ]);
  return { signing, encryption };
}

/** The public JWK as the server's schema takes it: exactly kty, crv, x and y. */
export async function publicJwk(key: CryptoKey): Promise<{ kty: 'EC'; crv: 'P-256'; x: string; y: string }> {
  const jwk = await crypto.subtle.exportKey('jwk', key);
  return { kty: 'EC', crv: 'P-256', x: String(jwk.x), y: String(jwk.y) };
}
