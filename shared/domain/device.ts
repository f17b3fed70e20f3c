import type { DevicePublicKey } from './device-signature.js';
import type { WebPushSubscription } from './web-push.js';

export type UnlockMethod = 'none' | 'pin' | 'biometric';
export type DevicePlatform = 'ios' | 'android' | 'other';

/** A phone bound to an enrollment by QR code. The server holds only its public key. */
export interface Device {
  deviceId: string;
  userGuid: string;
  publicKey: DevicePublicKey;
  unlockMethod: UnlockMethod;
  platform: DevicePlatform;
  /** Push target: the SNS platform endpoint ARN the server made from the app's token (never a value the app sent). */
  pushToken?: string;
  boundAt: Date;
  revokedAt?: Date;
  /** The installed web app's Web Push subscription (PUT /api/device/web-push); dropped when its push service says gone. */
  webPush?: WebPushSubscription;
  /** When the device last fetched its status: a lockout recorded after it is shown as recentLockout. */
  statusSeenAt?: Date;
}

/** How far a signed request's timestamp may be from the server's clock; nonces are kept this long (each way). */
export const DEVICE_REQUEST_MAX_SKEW_MS = 5 * 60_000;
