import type { Device } from '../../domain/device.js';
import { DomainError, PushSubscriptionGoneError } from '../../domain/errors.js';
import type { DeviceStore } from '../../ports/device-store.js';
import type { Logger } from '../../ports/logger.js';
import type { OutboundPush, PushSender } from '../../ports/push-sender.js';
import type { WebPushNotification, WebPushSender } from '../../ports/web-push-sender.js';
import type { WebPushSubscriptions } from '../../ports/web-push-subscriptions.js';

export interface DevicePushDependencies {
  deviceStore: Pick<DeviceStore, 'listForUser'>;
  pushSender: PushSender;
  /** Web Push to the installed web app's subscriptions (absent: only mobile pushes). */
  webPush?: { sender: WebPushSender; subscriptions: Pick<WebPushSubscriptions, 'removeWebPush'> } | undefined;
  logger: Pick<Logger, 'info' | 'warn'>;
}

/** One notification for every bound device of a user: the mobile push, and the installed app's Web Push. */
export interface DevicePush {
  mobile: Omit<OutboundPush, 'target'>;
  web: WebPushNotification;
  /** How long a push service keeps the Web Push for an offline phone (stale after that). */
  webTtlSeconds: number;
  /** A newer Web Push of this topic replaces an undelivered older one. */
  webTopic: string;
}

/**
 * Pushes to each bound, non-revoked device of the user: SNS mobile push to its endpoint and Web Push to its
 * subscription. A subscription the push service calls gone is removed (nothing will ever arrive there again). Returns
 * the pushes accepted, and how many failed in a way worth another try.
 */
export async function pushToDevices(
  deps: DevicePushDependencies,
  userGuid: string,
  push: DevicePush,
): Promise<{ sent: number; transientFailures: number }> {
  const devices = (await deps.deviceStore.listForUser(userGuid)).filter(
    (device) => !device.revokedAt && (device.pushToken || device.webPush),
  );
  let sent = 0;
  let transientFailures = 0;
  const attempt = async (device: Device, channel: 'mobile' | 'web', send: () => Promise<unknown>) => {
    try {
      await send();
      sent += 1;
    } catch (error) {
      if (error instanceof DomainError && error.retryable) transientFailures += 1;
      if (error instanceof PushSubscriptionGoneError && device.webPush) {
        // The browser dropped it (app removed, permission revoked): nothing will ever be delivered there again.
        try {
          await deps.webPush?.subscriptions.removeWebPush(device.deviceId, device.webPush.endpoint);
          deps.logger.info('web push subscription gone, removed', { userGuid, deviceId: device.deviceId });
        } catch (removal) {
          // The next push meets the same answer and tries again; this one must not fail for it.
          deps.logger.warn('gone web push subscription not removed', {
            userGuid,
            deviceId: device.deviceId,
            error: describe(removal),
          });
        }
        return;
      }
      deps.logger.warn('push to a device failed', {
        userGuid,
        deviceId: device.deviceId,
        channel,
        kind: push.web.data.kind,
        error: describe(error),
      });
    }
  };
  for (const device of devices) {
    if (device.pushToken) {
      const target = device.pushToken;
      await attempt(device, 'mobile', () => deps.pushSender.send({ target, ...push.mobile }));
    }
    const subscription = device.webPush;
    const webPush = deps.webPush;
    if (subscription && webPush) {
      await attempt(device, 'web', () =>
        webPush.sender.send({
          deviceId: device.deviceId,
          subscription,
          notification: push.web,
          ttlSeconds: push.webTtlSeconds,
          topic: push.webTopic,
        }),
      );
    }
  }
  return { sent, transientFailures };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
