import { randomUUID } from 'node:crypto';
import {
  DEVICE_REQUEST_MAX_SKEW_MS,
  type Device,
  type DevicePlatform,
  type UnlockMethod,
  type WebAuthnCredential,
} from '../../domain/device.js';
import { verifyDeviceRequest, type DevicePublicKey } from '../../domain/device-signature.js';
import { issuedUnderCurrentActivation, type Enrollment, type EnrollmentMethods } from '../../domain/enrollment.js';
import { RateLimitedError } from '../../domain/errors.js';
import type { IssuedSecret } from '../../domain/issued-secret.js';
import { hashSecret } from '../../domain/one-time-secrets.js';
import { isPushPlatform, pushTokenSchemas } from '../../domain/push-token.js';
import { enrollmentLimits, type EnrollmentDependencies, type RequestFacts } from './dependencies.js';
import { deviceBoundEmail } from './notices.js';
import { notifyOrLog } from '../messaging/index.js';
import { UUID_PATTERN } from '../../validation/uuid.js';
import { retryOnConcurrentUpdate } from './save-with-retry.js';

export interface DeviceRegistration {
  bindingCode: string;
  /** The key that signs the device's requests (protocol v1: also the key passwords are encrypted to). */
  publicKey: DevicePublicKey;
  /** Protocol v2: the separate ECDH key passwords are encrypted to. */
  encryptionKey?: DevicePublicKey;
  /** Protocol v2 with Touch ID/Face ID: the platform credential, already verified against its registration challenge. */
  webauthn?: WebAuthnCredential;
  unlockMethod: UnlockMethod;
  platform: DevicePlatform;
  /** The app's APNs or FCM token (checked at the edge); the device stores the endpoint made from it, not the token. */
  pushToken?: string;
}

export type RegisterResult =
  | { ok: true; deviceId: string; account: { displayName: string; samAccountName: string } }
  | { ok: false; reason: 'binding-invalid' };

/** A device request as received: the signed parts and the four x-blink-* header values (undefined when absent). */
export interface SignedDeviceRequest {
  method: string;
  /** The request path as the client sent it (API Gateway's `event.path`). */
  path: string;
  body: string;
  deviceId: string | undefined;
  timestamp: string | undefined;
  nonce: string | undefined;
  signature: string | undefined;
}

export type DeviceAuthentication =
  { ok: true; device: Device; enrollment: Enrollment } | { ok: false; reason: 'device-unauthorized' };

export interface DeviceStatus {
  account: { displayName: string; samAccountName: string };
  methods: EnrollmentMethods;
  device: { deviceId: string; unlockMethod: UnlockMethod; platform: DevicePlatform; protocol: 1 | 2 };
  /** The password-expiry reminder channels the user chose besides email, so the app can show its push choice. */
  expiryReminders: { sms: boolean; push: boolean };
}

/** The app's calls: registration with a QR binding code, then signed requests. */
export function createDeviceUseCases(deps: EnrollmentDependencies) {
  const { enrollmentStore, deviceStore, clock, logger } = deps;
  const refused: DeviceAuthentication = { ok: false, reason: 'device-unauthorized' };

  return {
    async register(registration: DeviceRegistration, request: RequestFacts): Promise<RegisterResult> {
      const ipDecision = await deps.rateLimiter.hit(
        `device-register-ip:${request.clientIp}`,
        enrollmentLimits.registrationsPerIpPerHour,
        3600,
      );
      if (!ipDecision.allowed)
        throw new RateLimitedError('Too many requests. Try again later.', ipDecision.retryAfterSeconds);
      const now = clock.now();
      const hash = hashSecret(await deps.secrets.get('token-hmac-key'), 'binding', registration.bindingCode);
      // Consumed first, with a conditional write: of two registrations with one code exactly one gets here.
      const binding = await enrollmentStore.consumeSecret('binding', hash, now);
      if (!binding) return bindingInvalid('unknown-or-used');
      const current = await enrollmentStore.get(binding.userGuid);
      // The code works only under the activation that issued it, while that activation is current and unused: a code
      // kept from a link that was revoked, superseded by a new activation, or already used to finish setup is dead.
      if (!current || !binding.activationHash || !issuedUnderCurrentActivation(current, binding))
        return bindingInvalid('other-activation');
      if (!(await enrollmentStore.consumeSecret('activation', binding.activationHash, now)))
        return bindingInvalid('activation-used');

      const device: Device = {
        deviceId: randomUUID(),
        userGuid: binding.userGuid,
        publicKey: registration.publicKey,
        ...(registration.encryptionKey ? { encryptionKey: registration.encryptionKey } : {}),
        ...(registration.webauthn ? { webauthn: registration.webauthn } : {}),
        unlockMethod: registration.unlockMethod,
        platform: registration.platform,
        ...(await pushEndpointOf(registration, binding.userGuid)),
        boundAt: now,
      };
      await deviceStore.add(device);
      if (!(await activateApp(binding, now))) {
        // Revoked or re-activated while this device was being added: the device must not outlive that decision.
        await deviceStore.revoke(device.deviceId, now);
        return bindingInvalid('revoked-during-registration');
      }

      await notifyOrLog(logger, 'device-bound-email', device.userGuid, () =>
        deps.emailSender.send(deviceBoundEmail(deps.settings, current, device.platform, now)),
      );
      await deps.auditLog.record({
        userGuid: device.userGuid,
        action: 'device.registered',
        channel: 'app',
        result: 'success',
        ...(request.requestId ? { requestId: request.requestId } : {}),
        at: now,
      });
      logger.info('device registered', { userGuid: device.userGuid, deviceId: device.deviceId });
      return {
        ok: true,
        deviceId: device.deviceId,
        account: { displayName: current.displayName, samAccountName: current.samAccountName },
      };
    },

    /**
     * Checks a signed device request. Every failure (missing header, unknown or revoked device, revoked enrollment,
     * stale timestamp, bad signature, reused nonce) gives the same answer; only the log says which.
     */
    async authenticate(request: SignedDeviceRequest): Promise<DeviceAuthentication> {
      const refuse = (reason: string, deviceId?: string) => {
        logger.info('device request refused', { reason, ...(deviceId ? { deviceId } : {}) });
        return refused;
      };
      const { deviceId, timestamp, nonce, signature } = request;
      if (
        !deviceId ||
        !UUID_PATTERN.test(deviceId) ||
        !timestamp ||
        !/^\d{1,16}$/.test(timestamp) ||
        !nonce ||
        !signature
      ) {
        return refuse('malformed');
      }
      const device = await deviceStore.get(deviceId);
      if (!device) return refuse('unknown-device');
      if (device.revokedAt) return refuse('revoked-device', deviceId);
      const now = clock.now();
      const parts = {
        method: request.method,
        path: request.path,
        timestamp: Number(timestamp),
        nonce,
        body: request.body,
      };
      const verdict = verifyDeviceRequest(device.publicKey, parts, signature, now, DEVICE_REQUEST_MAX_SKEW_MS);
      if (!verdict.ok) return refuse(verdict.reason, deviceId);
      const enrollment = await enrollmentStore.get(device.userGuid);
      if (!enrollment || enrollment.status !== 'active') return refuse('enrollment-not-active', deviceId);
      // Kept until the timestamp is stale anyway; after that the freshness check refuses a replay by itself.
      const fresh = await deviceStore.rememberNonce(
        deviceId,
        nonce,
        new Date(parts.timestamp + DEVICE_REQUEST_MAX_SKEW_MS),
      );
      if (!fresh) return refuse('replayed-nonce', deviceId);
      return { ok: true, device, enrollment };
    },

    status(authenticated: { device: Device; enrollment: Enrollment }): DeviceStatus {
      const { device, enrollment } = authenticated;
      return {
        account: { displayName: enrollment.displayName, samAccountName: enrollment.samAccountName },
        methods: enrollment.methods,
        device: {
          deviceId: device.deviceId,
          unlockMethod: device.unlockMethod,
          platform: device.platform,
          protocol: device.encryptionKey ? 2 : 1,
        },
        expiryReminders: {
          sms: enrollment.expiryReminders?.sms ?? false,
          push: enrollment.expiryReminders?.push ?? false,
        },
      };
    },

    /**
     * The user's choice of password-expiry reminders by app push, from the app's settings. Read again under the
     * optimistic retry: false when the enrollment stopped being active since the request was authenticated.
     */
    async setExpiryRemindersByPush(
      authenticated: { device: Device },
      push: boolean,
      requestId?: string,
    ): Promise<boolean> {
      const { userGuid } = authenticated.device;
      const now = clock.now();
      const saved = await retryOnConcurrentUpdate(async () => {
        const current = await enrollmentStore.get(userGuid);
        if (!current || current.status !== 'active') return false;
        const next: Enrollment = {
          ...current,
          expiryReminders: { ...current.expiryReminders, push },
          updatedAt: now,
        };
        await enrollmentStore.save(next, current.version);
        return true;
      });
      if (!saved) return false;
      await deps.auditLog.record({
        userGuid,
        action: push ? 'expiry-reminders.push-on' : 'expiry-reminders.push-off',
        channel: 'app',
        result: 'success',
        ...(requestId ? { requestId } : {}),
        at: now,
      });
      return true;
    },
  };

  /**
   * The push target of a new device: the endpoint the server makes from the app's token, never the token itself or an
   * ARN the app could choose. Best effort: without it the device works, only without pushes (SMS alerts still go).
   */
  async function pushEndpointOf(registration: DeviceRegistration, userGuid: string): Promise<{ pushToken?: string }> {
    const { pushToken, platform } = registration;
    if (pushToken === undefined || !deps.pushEndpoints || !isPushPlatform(platform)) return {};
    const token = pushTokenSchemas[platform].safeParse(pushToken);
    if (!token.success) return {};
    try {
      const endpoint = await deps.pushEndpoints.endpointFor(platform, token.data);
      return endpoint ? { pushToken: endpoint } : {};
    } catch (error) {
      logger.error('push endpoint could not be created', {
        userGuid,
        error: error instanceof Error ? error.name : 'unknown',
      });
      return {};
    }
  }

  function bindingInvalid(reason: string): RegisterResult {
    logger.info('device registration refused', { reason });
    return { ok: false, reason: 'binding-invalid' };
  }

  /** Marks the app method on, unless the binding's activation stopped being the current one. False then. */
  function activateApp(binding: IssuedSecret, now: Date): Promise<boolean> {
    return retryOnConcurrentUpdate(async () => {
      const current = await enrollmentStore.get(binding.userGuid);
      if (!current || !issuedUnderCurrentActivation(current, binding)) return false;
      const next: Enrollment = {
        ...current,
        status: 'active',
        methods: { ...current.methods, app: true },
        updatedAt: now,
      };
      await enrollmentStore.save(next, current.version);
      return true;
    });
  }
}

export type DeviceUseCases = ReturnType<typeof createDeviceUseCases>;
