import type { WebPushSubscription } from '../domain/web-push.js';

/** The Web Push subscription kept with each device (on the device's own record). */
export interface WebPushSubscriptions {
  /** Replaces the device's subscription. False when there is no such device. */
  saveWebPush(deviceId: string, subscription: WebPushSubscription): Promise<boolean>;
  /** Removes the device's subscription; with `endpoint`, only while that is still the stored one (a newer one stays). */
  removeWebPush(deviceId: string, endpoint?: string): Promise<void>;
}

/** When each device last fetched its status (GET /api/device/status). */
export interface DeviceStatusVisits {
  /** Records this visit and answers the previous one (undefined on the device's first). */
  recordVisit(deviceId: string, at: Date): Promise<Date | undefined>;
}
