import type { Device } from '../../domain/device.js';
import { parseVapidKeys, type WebPushSubscription } from '../../domain/web-push.js';
import type { Clock } from '../../ports/clock.js';
import type { RecentLockouts } from '../../ports/lockout-alert-log.js';
import type { Logger } from '../../ports/logger.js';
import type { Secrets } from '../../ports/secrets.js';
import type { DeviceStatusVisits, WebPushSubscriptions } from '../../ports/web-push-subscriptions.js';

export interface WebPushDependencies {
  secrets: Secrets;
  subscriptions: WebPushSubscriptions;
  visits: DeviceStatusVisits;
  recentLockouts: RecentLockouts;
  clock: Clock;
  logger: Logger;
}

/**
 * The installed app's side of lockout notifications: the VAPID public key it subscribes with, its subscription kept
 * with the device, and the lockout recorded since its last visit (shown on the home screen when notifications are
 * off). The device is one that a signed request already authenticated.
 */
export function createWebPushUseCases(deps: WebPushDependencies) {
  return {
    /** The applicationServerKey of PushManager.subscribe(): Blink's VAPID public key, base64url. */
    async vapidPublicKey(): Promise<string> {
      return parseVapidKeys(await deps.secrets.get('vapid-keys')).publicKey;
    },

    /** Stores (or replaces) the device's subscription. False when the device vanished meanwhile. */
    async subscribe(device: Device, subscription: WebPushSubscription): Promise<boolean> {
      const saved = await deps.subscriptions.saveWebPush(device.deviceId, subscription);
      deps.logger.info('web push subscription saved', {
        userGuid: device.userGuid,
        deviceId: device.deviceId,
        pushHost: new URL(subscription.endpoint).hostname,
      });
      return saved;
    },

    async unsubscribe(device: Device): Promise<void> {
      await deps.subscriptions.removeWebPush(device.deviceId);
      deps.logger.info('web push subscription removed', { userGuid: device.userGuid, deviceId: device.deviceId });
    },

    /**
     * The newest lockout the scan recorded after this device's previous status fetch (its binding, the first time).
     * Each fetch moves the mark, so a lockout is shown once per device, on the first visit after it.
     */
    async recentLockout(device: Device): Promise<{ lockedAt: string } | undefined> {
      const previousVisit = (await deps.visits.recordVisit(device.deviceId, deps.clock.now())) ?? device.boundAt;
      const lockout = await deps.recentLockouts.recordedSince(device.userGuid, previousVisit);
      return lockout ? { lockedAt: lockout.lockedAt.toISOString() } : undefined;
    },
  };
}

export type WebPushUseCases = ReturnType<typeof createWebPushUseCases>;
