import type { PinVerifier } from './store.js';

/** A PIN is 6 or more digits; a PIN unlocks only this app on this phone, it never leaves it. */
export const PIN_PATTERN = /^\d{6,32}$/;
/** Wrong PINs in a row after which the device keys are wiped (the user links the phone again). */
export const MAX_PIN_FAILURES = 10;
/** From this many tries left the app warns that the keys will be wiped. */
export const WARN_WHEN_TRIES_LEFT = 3;
/** PBKDF2-SHA256 iterations (OWASP's 2023 figure): slow enough that guessing a copied verifier offline is costly. */
const ITERATIONS = 600_000;

async function derive(pin: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const material = await crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, ['deriveBits']);
  return new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: 'PBKDF2', hash: 'SHA-256', salt: salt as BufferSource, iterations },
      material,
      256,
    ),
  );
}

export async function makePinVerifier(pin: string): Promise<PinVerifier> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return { salt, hash: await derive(pin, salt, ITERATIONS), iterations: ITERATIONS };
}

export async function pinMatches(pin: string, verifier: PinVerifier): Promise<boolean> {
  const candidate = await derive(pin, verifier.salt, verifier.iterations);
  // Compared in full whatever differs first.
  let difference = candidate.length ^ verifier.hash.length;
  for (let index = 0; index < candidate.length; index += 1)
    difference |= (candidate[index] ?? 0) ^ (verifier.hash[index] ?? 0);
  return difference === 0;
}
