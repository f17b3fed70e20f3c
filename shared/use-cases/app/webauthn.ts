import { createHmac, randomBytes } from 'node:crypto';
import type { Device, WebAuthnCredential } from '../../domain/device.js';
import { hashSecret } from '../../domain/one-time-secrets.js';
import type { Clock } from '../../ports/clock.js';
import type { EnrollmentStore } from '../../ports/enrollment-store.js';
import type { Logger } from '../../ports/logger.js';
import type { Secrets } from '../../ports/secrets.js';
import type { WebAuthnCeremonies, WebAuthnCounters } from '../../ports/webauthn.js';

export interface WebAuthnDependencies {
  webauthn: WebAuthnCeremonies;
  counters: WebAuthnCounters;
  enrollmentStore: Pick<EnrollmentStore, 'putSecret' | 'consumeSecret'>;
  secrets: Secrets;
  clock: Clock;
  logger: Logger;
}

/** What an assertion is bound to: a reset, an unlock, or approving a help desk's caller verification. */
export type DeviceAction = 'reset' | 'unlock' | 'approve-caller';

/** How long an assertion challenge lives: one Face ID prompt, not more. */
export const ASSERTION_CHALLENGE_TTL_SECONDS = 120;

/** Whether the server must see a user-verified WebAuthn assertion before acting for this device. */
export function requiresUserVerification(device: Pick<Device, 'webauthn'>): boolean {
  return device.webauthn !== undefined;
}

/** The challenge inside a WebAuthn response's clientDataJSON (base64url), or undefined when it has none. */
function challengeOf(response: unknown): string | undefined {
  try {
    const clientDataJSON = (response as { response?: { clientDataJSON?: unknown } }).response?.clientDataJSON;
    if (typeof clientDataJSON !== 'string') return undefined;
    const challenge = (JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown })
      .challenge;
    return typeof challenge === 'string' && /^[A-Za-z0-9_-]{43}$/.test(challenge) ? challenge : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Touch ID/Face ID enforced by the server (issue 11):
 * - Binding: the registration challenge is derived from the binding code (HMAC with the token key), so it needs no
 *   storage, is unpredictable without the code, and dies with it (the code is consumed by the registration).
 * - Every reset or unlock of such a device: a random challenge, stored only as a keyed hash bound to the device and
 *   the action, single use (conditional write), two minutes; the assertion must verify (signature, origin, RP id,
 *   user-verified flag) and advance the signature counter (conditional write) before anything is queued.
 */
export function createWebAuthnUseCases(deps: WebAuthnDependencies) {
  const hmacKey = () => deps.secrets.get('token-hmac-key');
  const assertionHash = async (deviceId: string, action: DeviceAction, challenge: string) =>
    hashSecret(await hmacKey(), 'webauthn-challenge', `${deviceId}:${action}:${challenge}`);
  const registrationChallenge = async (bindingCode: string) =>
    createHmac('sha256', await hmacKey())
      .update(`webauthn-registration\0${bindingCode}`)
      .digest('base64url');

  return {
    async registrationOptions(bindingCode: string): Promise<unknown> {
      // The user handle is random: nothing about the account is given to the authenticator or a page that asks.
      return deps.webauthn.registrationOptions(await registrationChallenge(bindingCode), {
        id: randomBytes(16).toString('base64url'),
        name: 'Blink',
      });
    },

    async verifyRegistration(bindingCode: string, response: unknown): Promise<WebAuthnCredential | undefined> {
      const expected = await registrationChallenge(bindingCode);
      if (challengeOf(response) !== expected) {
        deps.logger.info('webauthn registration refused', { reason: 'other-challenge' });
        return undefined;
      }
      return deps.webauthn.verifyRegistration(response, expected);
    },

    /** Options for the assertion of one action; undefined for a device without a credential. */
    async assertionOptions(device: Device, action: DeviceAction): Promise<unknown> {
      if (!device.webauthn) return undefined;
      const challenge = randomBytes(32).toString('base64url');
      const now = deps.clock.now();
      await deps.enrollmentStore.putSecret({
        purpose: 'webauthn-challenge',
        hash: await assertionHash(device.deviceId, action, challenge),
        userGuid: device.userGuid,
        issuedAt: now,
        expiresAt: new Date(now.getTime() + ASSERTION_CHALLENGE_TTL_SECONDS * 1000),
      });
      return deps.webauthn.authenticationOptions(challenge, device.webauthn.credentialId);
    },

    /** True when the device needs no assertion, or `response` is a fresh, verified, user-verified one for `action`. */
    async verifyAssertion(device: Device, action: DeviceAction, response: unknown): Promise<boolean> {
      const credential = device.webauthn;
      if (!credential) return true;
      const refuse = (reason: string) => {
        deps.logger.info('webauthn assertion refused', { reason, deviceId: device.deviceId });
        return false;
      };
      const challenge = challengeOf(response);
      if (!challenge) return refuse('missing');
      // Consumed before verifying: a captured assertion cannot be replayed, even while this one is being checked.
      const issued = await deps.enrollmentStore.consumeSecret(
        'webauthn-challenge',
        await assertionHash(device.deviceId, action, challenge),
        deps.clock.now(),
      );
      if (!issued || issued.userGuid !== device.userGuid) return refuse('unknown-used-or-expired-challenge');
      const verified = await deps.webauthn.verifyAuthentication(response, challenge, credential);
      if (!verified) return refuse('not-verified');
      // Authenticators that keep no counter send 0 every time (allowed); one that counts must count up.
      if (
        verified.newCounter > 0 &&
        !(await deps.counters.advanceWebAuthnCounter(device.deviceId, verified.newCounter))
      )
        return refuse('counter-not-advanced');
      return true;
    },
  };
}

export type WebAuthnUseCases = ReturnType<typeof createWebAuthnUseCases>;
