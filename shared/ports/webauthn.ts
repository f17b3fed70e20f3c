import type { WebAuthnCredential } from '../domain/device.js';

/**
 * WebAuthn ceremonies (adapter: @simplewebauthn/server). The relying party id and origin come from PUBLIC_BASE_URL.
 * Responses are the browser's JSON (checked for shape at the edge); every verification requires user verification.
 */
export interface WebAuthnCeremonies {
  /** Options for navigator.credentials.create: a platform authenticator, user verification required. */
  registrationOptions(challenge: string, user: { id: string; name: string }): Promise<unknown>;
  /** The credential when the attestation is valid for this challenge, origin and RP id with the UV flag; else undefined. */
  verifyRegistration(response: unknown, expectedChallenge: string): Promise<WebAuthnCredential | undefined>;
  /** Options for navigator.credentials.get, limited to the device's credential, user verification required. */
  authenticationOptions(challenge: string, credentialId: string): Promise<unknown>;
  /** The new signature counter when the assertion is valid (signature, challenge, origin, RP id, UV flag, counter). */
  verifyAuthentication(
    response: unknown,
    expectedChallenge: string,
    credential: WebAuthnCredential,
  ): Promise<{ newCounter: number } | undefined>;
}

/** The signature counters of devices' WebAuthn credentials (DynamoDeviceStore implements it on the device item). */
export interface WebAuthnCounters {
  /**
   * Raises the device's WebAuthn signature counter to `counter` with a conditional write: false when the stored
   * counter is already at or above it (a replayed or cloned authenticator, or a concurrent assertion that won).
   */
  advanceWebAuthnCounter(deviceId: string, counter: number): Promise<boolean>;
}
