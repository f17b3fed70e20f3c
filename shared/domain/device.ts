import type { DevicePublicKey } from './device-signature.js';
import type { WebPushSubscription } from './web-push.js';

/** A registered WebAuthn credential, as stored: its id and COSE public key (base64url) and its signature counter. */
export interface WebAuthnCredential {
  credentialId: string;
  publicKey: string;
  counter: number;
}

export type UnlockMethod = 'none' | 'pin' | 'biometric';
export type DevicePlatform = 'ios' | 'android' | 'other';

/**
 * A phone bound to an enrollment by QR code. The server holds only public keys: `publicKey` checks the request
 * signatures; passwords are encrypted to `encryptionKey` (device protocol v2, the Blink app: WebCrypto keeps ECDSA
 * and ECDH keys apart) or, without one, to `publicKey` (protocol v1, the reference client: one key for both).
 */
export interface Device {
  deviceId: string;
  userGuid: string;
  publicKey: DevicePublicKey;
  encryptionKey?: DevicePublicKey;
  unlockMethod: UnlockMethod;
  platform: DevicePlatform;
  /** Push target: the SNS platform endpoint ARN the server made from the app's token (never a value the app sent). */
  pushToken?: string;
  /**
   * The WebAuthn platform credential registered at binding by a v2 device that chose Touch ID/Face ID: every reset and
   * unlock of such a device needs an assertion with the user-verified flag (shared/use-cases/app/webauthn.ts).
   */
  webauthn?: WebAuthnCredential;
  boundAt: Date;
  revokedAt?: Date;
  /** The installed web app's Web Push subscription (PUT /api/device/web-push); dropped when its push service says gone. */
  webPush?: WebPushSubscription;
  /** When the device last fetched its status: a lockout recorded after it is shown as recentLockout. */
  statusSeenAt?: Date;
}

/** How far a signed request's timestamp may be from the server's clock; nonces are kept this long (each way). */
export const DEVICE_REQUEST_MAX_SKEW_MS = 5 * 60_000;

/** The key a password for this device is encrypted to (JWE ECDH-ES): the v2 encryption key, else the v1 single key. */
export function passwordEncryptionKeyOf(device: Pick<Device, 'publicKey' | 'encryptionKey'>): DevicePublicKey {
  return device.encryptionKey ?? device.publicKey;
}

/** What the admin API and the portal show of a device: never its keys, push addresses or WebAuthn credential. */
export interface DeviceSummary {
  deviceId: string;
  platform: DevicePlatform;
  boundAt: string;
  revokedAt?: string;
}

export function deviceSummaryOf(device: Device): DeviceSummary {
  return {
    deviceId: device.deviceId,
    platform: device.platform,
    boundAt: device.boundAt.toISOString(),
    ...(device.revokedAt ? { revokedAt: device.revokedAt.toISOString() } : {}),
  };
}
