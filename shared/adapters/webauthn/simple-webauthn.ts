import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { WebAuthnCredential } from '../../domain/device.js';
import type { Logger } from '../../ports/logger.js';
import type { WebAuthnCeremonies } from '../../ports/webauthn.js';

/**
 * WebAuthn with @simplewebauthn/server. The RP id is PUBLIC_BASE_URL's host name and the only accepted origin is its
 * origin, so an assertion made for another site (or an IP address, which browsers refuse anyway) never verifies.
 * A failed verification is an answer (undefined), not an error; its reason goes to the log only. The library (with
 * its ASN.1/X.509 stack, about 330 KB of the bundle) is loaded on first use, so the api function's cold start does
 * not evaluate it for the many requests that never need it.
 */
/**
 * The credential algorithms accepted, in order of preference (COSE ids: EdDSA, ES256 — what Apple and Android platform
 * authenticators make — and RS256 for Windows Hello). Named here rather than left to the library's default, which
 * probes the runtime for post-quantum ML-DSA with Web Crypto's experimental `supports`, and Node 24 prints a warning
 * for that on every cold start.
 */
const SUPPORTED_ALGORITHM_IDS = [-8, -7, -257];

export class SimpleWebAuthn implements WebAuthnCeremonies {
  private readonly rpId: string;
  private readonly origin: string;

  constructor(
    publicBaseUrl: string,
    private readonly options: { rpName: string; logger: Logger },
  ) {
    const url = new URL(publicBaseUrl);
    this.rpId = url.hostname;
    this.origin = url.origin;
  }

  async registrationOptions(challenge: string, user: { id: string; name: string }): Promise<unknown> {
    const { generateRegistrationOptions } = await import('@simplewebauthn/server');
    return generateRegistrationOptions({
      rpName: this.options.rpName,
      rpID: this.rpId,
      userName: user.name,
      userID: new TextEncoder().encode(user.id),
      challenge: Buffer.from(challenge, 'base64url'),
      attestationType: 'none',
      supportedAlgorithmIDs: SUPPORTED_ALGORITHM_IDS,
      authenticatorSelection: {
        authenticatorAttachment: 'platform',
        userVerification: 'required',
        residentKey: 'discouraged',
      },
      timeout: 120_000,
    });
  }

  verifyRegistration(response: unknown, expectedChallenge: string): Promise<WebAuthnCredential | undefined> {
    return this.refusingOnError('registration', async () => {
      const { verifyRegistrationResponse } = await import('@simplewebauthn/server');
      const verified = await verifyRegistrationResponse({
        response: response as RegistrationResponseJSON,
        ...this.expecting(expectedChallenge),
        supportedAlgorithmIDs: SUPPORTED_ALGORITHM_IDS,
      });
      if (!verified.verified) return undefined;
      const { credential } = verified.registrationInfo;
      return {
        credentialId: credential.id,
        publicKey: Buffer.from(credential.publicKey).toString('base64url'),
        counter: credential.counter,
      };
    });
  }

  async authenticationOptions(challenge: string, credentialId: string): Promise<unknown> {
    const { generateAuthenticationOptions } = await import('@simplewebauthn/server');
    return generateAuthenticationOptions({
      rpID: this.rpId,
      challenge: Buffer.from(challenge, 'base64url'),
      allowCredentials: [{ id: credentialId }],
      userVerification: 'required',
      timeout: 120_000,
    });
  }

  verifyAuthentication(
    response: unknown,
    expectedChallenge: string,
    credential: WebAuthnCredential,
  ): Promise<{ newCounter: number } | undefined> {
    return this.refusingOnError('assertion', async () => {
      const { verifyAuthenticationResponse } = await import('@simplewebauthn/server');
      const verified = await verifyAuthenticationResponse({
        response: response as AuthenticationResponseJSON,
        ...this.expecting(expectedChallenge),
        credential: {
          id: credential.credentialId,
          publicKey: Buffer.from(credential.publicKey, 'base64url'),
          counter: credential.counter,
        },
      });
      return verified.verified && verified.authenticationInfo.userVerified
        ? { newCounter: verified.authenticationInfo.newCounter }
        : undefined;
    });
  }

  /** What every response must show: this challenge, made on this site's origin and RP id, with user verification. */
  private expecting(expectedChallenge: string) {
    return { expectedChallenge, expectedOrigin: this.origin, expectedRPID: this.rpId, requireUserVerification: true };
  }

  /** Runs a verification; one that throws (malformed or forged response) is a refusal, its reason logged only. */
  private async refusingOnError<T>(
    ceremony: 'registration' | 'assertion',
    verify: () => Promise<T | undefined>,
  ): Promise<T | undefined> {
    try {
      return await verify();
    } catch (error) {
      this.options.logger.info('webauthn verification failed', {
        ceremony,
        reason: error instanceof Error ? error.message : 'unknown',
      });
      return undefined;
    }
  }
}
