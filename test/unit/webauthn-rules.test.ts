import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createHash, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { SimpleWebAuthn } from '../../shared/adapters/webauthn/simple-webauthn';
import type { Device } from '../../shared/domain/device';
import type { IssuedSecret, SecretPurpose } from '../../shared/domain/issued-secret';
import { createWebAuthnUseCases, type DeviceAction } from '../../shared/use-cases/app/webauthn';
import { ManualClock } from '../support/manual-clock';

// The server's Touch ID/Face ID rules, with the real @simplewebauthn/server verification and a software authenticator
// made here (an ES256 key, authenticator data and client data as a phone builds them). The one-time secrets and the
// counters are small in-memory fakes with the same conditional-write semantics as the DynamoDB adapters.

const ORIGIN = 'https://blink.example.test';
const RP_ID = 'blink.example.test';

/** CBOR of a COSE EC2 P-256 public key {1: 2, 3: -7, -1: 1, -2: x, -3: y}: the only CBOR a credential needs. */
function coseKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  const bytes = (value: string) => Buffer.concat([Buffer.from([0x58, 32]), Buffer.from(value, 'base64url')]);
  return Buffer.concat([
    Buffer.from([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21]),
    bytes(String(jwk.x)),
    Buffer.from([0x22]),
    bytes(String(jwk.y)),
  ]);
}

class SoftwareAuthenticator {
  private readonly keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  readonly credentialId = Buffer.from(randomUUID()).toString('base64url');
  counter = 0;

  credential() {
    return {
      credentialId: this.credentialId,
      publicKey: coseKey(this.keys.publicKey).toString('base64url'),
      counter: 0,
    };
  }

  /** An assertion over `challenge`, as navigator.credentials.get answers it (JSON-encoded as the browser library does). */
  assert(challenge: string, options: { userVerified?: boolean; origin?: string; counter?: number } = {}) {
    this.counter = options.counter ?? this.counter + 1;
    const flags = 0x01 | (options.userVerified === false ? 0 : 0x04);
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(this.counter);
    const authenticatorData = Buffer.concat([
      createHash('sha256').update(RP_ID).digest(),
      Buffer.from([flags]),
      counter,
    ]);
    const clientDataJSON = Buffer.from(
      JSON.stringify({ type: 'webauthn.get', challenge, origin: options.origin ?? ORIGIN, crossOrigin: false }),
    );
    const signature = sign(
      'sha256',
      Buffer.concat([authenticatorData, createHash('sha256').update(clientDataJSON).digest()]),
      this.keys.privateKey,
    );
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        authenticatorData: authenticatorData.toString('base64url'),
        signature: signature.toString('base64url'),
      },
    };
  }
}

function setup() {
  const clock = new ManualClock('2026-12-04T12:00:00Z');
  const secrets = new Map<string, IssuedSecret>();
  const counters = new Map<string, number>();
  const refusals: string[] = [];
  const logger = {
    info: (message: string, fields?: Record<string, unknown>) =>
      void refusals.push(`${message}: ${String(fields?.['reason'])}`),
  };
  const webauthn = createWebAuthnUseCases({
    webauthn: new SimpleWebAuthn(ORIGIN, { rpName: 'Blink', logger: logger as never }),
    counters: {
      async advanceWebAuthnCounter(deviceId, counter) {
        if ((counters.get(deviceId) ?? 0) >= counter) return false;
        counters.set(deviceId, counter);
        return true;
      },
    },
    enrollmentStore: {
      async putSecret(secret) {
        secrets.set(`${secret.purpose}:${secret.hash}`, { ...secret });
      },
      async consumeSecret(purpose: SecretPurpose, hash: string, now: Date) {
        const stored = secrets.get(`${purpose}:${hash}`);
        if (!stored || stored.usedAt || stored.expiresAt <= now) return undefined;
        stored.usedAt = now;
        return { ...stored };
      },
    },
    secrets: { get: async () => 'test-hmac-key' },
    clock,
    logger: logger as never,
  });
  const authenticator = new SoftwareAuthenticator();
  const device: Device = {
    deviceId: randomUUID(),
    userGuid: randomUUID(),
    publicKey: { kty: 'EC', crv: 'P-256', x: 'x'.repeat(43), y: 'y'.repeat(43) },
    unlockMethod: 'biometric',
    platform: 'ios',
    webauthn: authenticator.credential(),
    boundAt: clock.now(),
  };
  const challengeFor = async (action: DeviceAction, forDevice = device) => {
    const options = (await webauthn.assertionOptions(forDevice, action)) as {
      challenge: string;
      userVerification: string;
      rpId: string;
      allowCredentials: Array<{ id: string }>;
    };
    return options;
  };
  /** A reset as the app asks for one: a fresh challenge, signed by the authenticator (with `options`), verified. */
  const verifyFreshReset = async (options: Parameters<SoftwareAuthenticator['assert']>[1] = {}) =>
    webauthn.verifyAssertion(device, 'reset', authenticator.assert((await challengeFor('reset')).challenge, options));
  return { clock, webauthn, authenticator, device, challengeFor, verifyFreshReset, refusals };
}

describe('Touch ID/Face ID enforced by the server', () => {
  it('asks for user verification, for this credential only, and accepts a fresh user-verified assertion once', async () => {
    const { webauthn, authenticator, device, challengeFor } = setup();
    const options = await challengeFor('reset');
    expect(options).toMatchObject({
      userVerification: 'required',
      rpId: RP_ID,
      allowCredentials: [{ id: authenticator.credentialId }],
    });
    const assertion = authenticator.assert(options.challenge);
    expect(await webauthn.verifyAssertion(device, 'reset', assertion)).toBe(true);
    // Single use: the same assertion (a replay) is refused.
    expect(await webauthn.verifyAssertion(device, 'reset', assertion)).toBe(false);
  });

  it('refuses an assertion without the user-verified flag', async () => {
    const { verifyFreshReset, refusals } = setup();
    expect(await verifyFreshReset({ userVerified: false })).toBe(false);
    expect(refusals.join('\n')).toMatch(/user could not be verified/);
  });

  it('binds the challenge to its action and device, and lets it expire after two minutes', async () => {
    const { clock, webauthn, authenticator, device, challengeFor } = setup();
    // A challenge for reset does not unlock, and another device's challenge does not work for this one.
    expect(
      await webauthn.verifyAssertion(device, 'unlock', authenticator.assert((await challengeFor('reset')).challenge)),
    ).toBe(false);
    const other = { ...device, deviceId: randomUUID() };
    expect(
      await webauthn.verifyAssertion(
        device,
        'reset',
        authenticator.assert((await challengeFor('reset', other)).challenge),
      ),
    ).toBe(false);
    const late = await challengeFor('unlock');
    clock.advanceSeconds(120);
    expect(await webauthn.verifyAssertion(device, 'unlock', authenticator.assert(late.challenge))).toBe(false);
    // A challenge the server never issued.
    expect(await webauthn.verifyAssertion(device, 'unlock', authenticator.assert('A'.repeat(43)))).toBe(false);
  });

  it('refuses another origin, a missing assertion, and a counter that does not go up', async () => {
    const { webauthn, device, verifyFreshReset } = setup();
    expect(await verifyFreshReset({ origin: 'https://evil.example' })).toBe(false);
    expect(await webauthn.verifyAssertion(device, 'reset', undefined)).toBe(false);
    expect(await verifyFreshReset({ counter: 5 })).toBe(true);
    // The stored credential still says 0 (as the device record read before the request would): the counter store
    // has 5, so an assertion at 5 again (a cloned authenticator) is refused.
    expect(await verifyFreshReset({ counter: 5 })).toBe(false);
    expect(await verifyFreshReset({ counter: 6 })).toBe(true);
  });

  it('asks nothing of a device without a credential (None, PIN, and protocol v1 devices)', async () => {
    const { webauthn, device } = setup();
    const { webauthn: _credential, ...withoutCredential } = device;
    expect(await webauthn.verifyAssertion({ ...withoutCredential, unlockMethod: 'pin' }, 'reset', undefined)).toBe(
      true,
    );
    expect(await webauthn.assertionOptions({ ...withoutCredential, unlockMethod: 'pin' }, 'reset')).toBeUndefined();
  });

  it('derives the registration challenge from the binding code and refuses a response made for another one', async () => {
    const { webauthn } = setup();
    const options = (await webauthn.registrationOptions('binding-code-one-aaaaaaaa')) as {
      challenge: string;
      authenticatorSelection: unknown;
    };
    expect(options.authenticatorSelection).toMatchObject({
      authenticatorAttachment: 'platform',
      userVerification: 'required',
    });
    expect((await webauthn.registrationOptions('binding-code-one-aaaaaaaa')) as { challenge: string }).toMatchObject({
      challenge: options.challenge,
    });
    expect(
      ((await webauthn.registrationOptions('binding-code-two-bbbbbbbb')) as { challenge: string }).challenge,
    ).not.toBe(options.challenge);
    const forOther = {
      response: {
        clientDataJSON: Buffer.from(
          JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin: ORIGIN }),
        ).toString('base64url'),
      },
    };
    expect(await webauthn.verifyRegistration('binding-code-two-bbbbbbbb', forOther)).toBeUndefined();
  });
});

describe('the WebAuthn adapter in a fresh Node process', () => {
  // Node prints an experimental-API warning once per process, so only a process of its own shows whether the
  // ceremonies trigger it (the library's default algorithm list probes Web Crypto's experimental `supports`).
  it('names its algorithms, so no ceremony prints an experimental-API warning', () => {
    const script = `
      import { SimpleWebAuthn } from './shared/adapters/webauthn/simple-webauthn.ts';
      const logger = { debug() {}, info() {}, warn() {}, error() {} };
      const webauthn = new SimpleWebAuthn('${ORIGIN}', { rpName: 'Blink', logger });
      const options = await webauthn.registrationOptions('Y2hhbGxlbmdl', { id: 'user', name: 'jane.doe' });
      await webauthn.verifyRegistration({ id: 'x', rawId: 'x', type: 'public-key', response: {} }, 'Y2hhbGxlbmdl');
      await webauthn.authenticationOptions('Y2hhbGxlbmdl', 'Y3JlZA');
      console.log(JSON.stringify(options.pubKeyCredParams.map((param) => param.alg)));
    `;
    const root = join(__dirname, '..', '..');
    const child = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), ['--input-type=module', '--eval', script], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(child.stderr).not.toMatch(/Warning/);
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout.trim())).toEqual([-8, -7, -257]);
  });
});
