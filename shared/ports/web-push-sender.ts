import type { WebPushSubscription } from '../domain/web-push.js';

/** What the app's service worker receives: shown as a notification with these actions. Nothing secret goes in it. */
export interface WebPushNotification {
  title: string;
  body: string;
  data: { kind: string; url: string };
  actions: { action: string; title: string }[];
}

export interface OutboundWebPush {
  /** The device the subscription is stored with (the queued sender reads the subscription there again). */
  deviceId: string;
  subscription: WebPushSubscription;
  notification: WebPushNotification;
  /** How long the push service keeps it for an offline phone. */
  ttlSeconds: number;
  /** A newer push with the same topic replaces an undelivered older one (RFC 8030 §5.4). */
  topic?: string;
}

/**
 * Web Push (RFC 8030) with an RFC 8291 encrypted payload and VAPID (RFC 8292). Throws PushSubscriptionGoneError when
 * the push service says the subscription is gone (404/410), DeliveryError when trying later may work (429, 5xx, network),
 * PushRefusedError for other refusals, ValidationError for an endpoint outside the allowed push services.
 */
export interface WebPushSender {
  send(push: OutboundWebPush): Promise<void>;
}
