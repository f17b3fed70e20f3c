import { DomainError, PushSubscriptionGoneError } from '../../domain/errors.js';
import type { QueuedWebPush } from '../../domain/web-push.js';
import type { DeviceStore } from '../../ports/device-store.js';
import type { Logger } from '../../ports/logger.js';
import type { WebPushSender } from '../../ports/web-push-sender.js';
import type { WebPushSubscriptions } from '../../ports/web-push-subscriptions.js';

export interface QueuedWebPushDeliveryDependencies {
  deviceStore: Pick<DeviceStore, 'get'>;
  subscriptions: Pick<WebPushSubscriptions, 'removeWebPush'>;
  /** The sender that posts to the push service (encrypts and signs with the VAPID key pair). */
  sender: WebPushSender;
  logger: Logger;
}

/**
 * What became of one queued push: `sent`; `skipped` (the device is gone or revoked, or a newer subscription replaced
 * the one it was queued for); `gone` (the push service dropped the subscription, so it was removed); `refused` (a
 * refusal a retry would not change).
 */
export type QueuedWebPushOutcome = 'sent' | 'skipped' | 'gone' | 'refused';

/**
 * Delivers pushes queued by the functions that decide to push. The device is read again at delivery, so a revocation
 * or a new subscription between queueing and sending wins. Throws only when another try may work (the caller's queue
 * retries it, then dead-letters it), or for an error it does not know.
 */
export function createQueuedWebPushDelivery(deps: QueuedWebPushDeliveryDependencies) {
  return async function deliver(push: QueuedWebPush): Promise<QueuedWebPushOutcome> {
    const { deviceId, endpoint } = push;
    const device = await deps.deviceStore.get(deviceId);
    if (!device || device.revokedAt || device.webPush?.endpoint !== endpoint) {
      deps.logger.info('queued web push skipped', {
        deviceId,
        reason: !device ? 'no-device' : device.revokedAt ? 'revoked' : 'subscription-replaced',
      });
      return 'skipped';
    }
    try {
      await deps.sender.send({
        deviceId,
        subscription: device.webPush,
        notification: push.notification,
        ttlSeconds: push.ttlSeconds,
        ...(push.topic ? { topic: push.topic } : {}),
      });
      return 'sent';
    } catch (error) {
      if (error instanceof PushSubscriptionGoneError) {
        // The browser dropped it (app removed, permission revoked); only this endpoint goes, a newer one stays.
        await deps.subscriptions.removeWebPush(deviceId, endpoint);
        deps.logger.info('web push subscription gone, removed', { deviceId });
        return 'gone';
      }
      // Transient, or not understood (a secret that cannot be read): retried, and dead-lettered where an alarm sees it.
      if (!(error instanceof DomainError) || error.retryable) throw error;
      deps.logger.warn('web push refused, dropped', { deviceId, error: `${error.name}: ${error.message}` });
      return 'refused';
    }
  };
}

export type QueuedWebPushDelivery = ReturnType<typeof createQueuedWebPushDelivery>;
