import { generateDeviceKeys } from '../../device-client/client.js';
import type { Device } from '../../shared/domain/device.js';
import { DeliveryError } from '../../shared/domain/errors.js';
import type { PushPlatform } from '../../shared/domain/push-token.js';
import type { PushEndpoints } from '../../shared/ports/push-endpoints.js';
import type { EnrollmentDependencies } from '../../shared/use-cases/enrollment/index.js';
import { createDeviceUseCases } from '../../shared/use-cases/enrollment/index.js';
import { activeEnrollment } from '../support/enrollments.js';

// The push part of registration with the other ports as small fakes: which token reaches PushEndpoints,
// what the device stores, and that a failing endpoint call does not fail the registration.

const USER = {
  userGuid: '8d3c1f0e-2b4a-4c6d-9e8f-0a1b2c3d4e5f',
  dn: 'CN=Push User,OU=Staff,DC=corp,DC=example,DC=test',
  samAccountName: 'push.user',
};
const ENDPOINT = 'arn:aws:sns:us-east-1:123456789012:endpoint/APNS/blink/2bd0b4a1-60d5-3c5e-9a3b-6a1d5c4f7e80';

function registrationWorld(pushEndpoints: PushEndpoints | undefined) {
  const added: Device[] = [];
  const errors: string[] = [];
  // A binding code is accepted only under the enrollment's current, unused activation.
  const activationHash = 'ab'.repeat(32);
  let enrollment = { ...activeEnrollment(USER), activationHash };
  const now = new Date();
  const deps = {
    clock: { now: () => now },
    secrets: { get: async () => 'k'.repeat(32) },
    rateLimiter: { hit: async () => ({ allowed: true, remaining: 10, retryAfterSeconds: 0 }) },
    enrollmentStore: {
      consumeSecret: async () => ({
        purpose: 'binding' as const,
        hash: 'h',
        userGuid: USER.userGuid,
        issuedAt: now,
        expiresAt: now,
        activationHash,
      }),
      get: async () => enrollment,
      save: async (next: typeof enrollment) => {
        enrollment = next;
      },
    },
    deviceStore: { add: async (device: Device) => void added.push(device) },
    emailSender: { send: async () => ({ messageId: 'm' }) },
    auditLog: { record: async () => undefined },
    logger: { info: () => undefined, error: (message: string) => void errors.push(message) },
    settings: { productName: 'Blink', supportContact: 'IT' },
    ...(pushEndpoints ? { pushEndpoints } : {}),
  } as unknown as EnrollmentDependencies;
  const register = (platform: 'ios' | 'android' | 'other', pushToken?: string) =>
    createDeviceUseCases(deps).register(
      {
        bindingCode: 'code',
        publicKey: generateDeviceKeys().publicKey,
        unlockMethod: 'none',
        platform,
        ...(pushToken ? { pushToken } : {}),
      },
      { clientIp: '192.0.2.1' },
    );
  return { added, errors, register };
}

class FakeEndpoints implements PushEndpoints {
  readonly calls: [PushPlatform, string][] = [];
  constructor(private readonly answer: () => Promise<string | undefined>) {}
  endpointFor(platform: PushPlatform, token: string) {
    this.calls.push([platform, token]);
    return this.answer();
  }
}

describe('device registration: push endpoint', () => {
  it('stores the endpoint made from the (normalised) token, never the token', async () => {
    const endpoints = new FakeEndpoints(async () => ENDPOINT);
    const world = registrationWorld(endpoints);
    expect(await world.register('ios', 'AB'.repeat(32))).toMatchObject({ ok: true });
    expect(endpoints.calls).toEqual([['ios', 'ab'.repeat(32)]]);
    expect(world.added.map((device) => device.pushToken)).toEqual([ENDPOINT]);
  });

  it('registers without push when the endpoint cannot be made, and says so in the log', async () => {
    const world = registrationWorld(
      new FakeEndpoints(async () => Promise.reject(new DeliveryError('SNS could not create the push endpoint now'))),
    );
    expect(await world.register('android', 'f'.repeat(150))).toMatchObject({ ok: true });
    expect(world.added).toHaveLength(1);
    expect(world.added[0]).not.toHaveProperty('pushToken');
    expect(world.errors).toEqual(['push endpoint could not be created']);
  });

  it('drops a token it would not accept at the edge, and any token when no PushEndpoints is wired', async () => {
    const endpoints = new FakeEndpoints(async () => ENDPOINT);
    const world = registrationWorld(endpoints);
    await world.register('ios', 'arn:aws:sns:us-east-1:123456789012:endpoint/APNS/other/1');
    await world.register('other', 'ab'.repeat(32));
    expect(endpoints.calls).toEqual([]);
    const unwired = registrationWorld(undefined);
    await unwired.register('ios', 'ab'.repeat(32));
    expect([...world.added, ...unwired.added].map((device) => device.pushToken)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});
