import type { Agent } from 'node:https';
import { sendNotification, WebPushError } from 'web-push';
import { DeliveryError, PushRefusedError, PushSubscriptionGoneError, ValidationError } from '../../domain/errors.js';
import { isAllowedPushHost, parseVapidKeys } from '../../domain/web-push.js';
import type { Secrets } from '../../ports/secrets.js';
import type { OutboundWebPush, WebPushSender } from '../../ports/web-push-sender.js';

export interface WebPushSenderOptions {
  secrets: Secrets;
  /** The VAPID `sub` claim: a mailto: or https: contact the push service can reach about Blink's pushes. */
  subject: string;
  /** Push service hosts an endpoint may be on (checked again here: a stored endpoint may predate a narrower list). */
  allowedHosts: readonly string[];
  timeoutMs: number;
  /** TLS agent of the requests; the default one (system CAs) unless a test's push service has its own CA. */
  agent?: Agent;
}

/**
 * Web Push through the `web-push` library: the payload encrypted with aes128gcm (RFC 8291), the request signed with
 * the VAPID key pair from the secret (RFC 8292), TLS always verified.
 */
export class LibraryWebPushSender implements WebPushSender {
  constructor(private readonly options: WebPushSenderOptions) {}

  async send(push: OutboundWebPush): Promise<void> {
    const { endpoint } = push.subscription;
    const url = new URL(endpoint);
    if (url.protocol !== 'https:' || !isAllowedPushHost(url.hostname, this.options.allowedHosts)) {
      throw new ValidationError('The push endpoint is not on an allowed push service');
    }
    const vapid = parseVapidKeys(await this.options.secrets.get('vapid-keys'));
    try {
      await sendNotification(push.subscription, JSON.stringify(push.notification), {
        vapidDetails: { subject: this.options.subject, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
        contentEncoding: 'aes128gcm',
        TTL: push.ttlSeconds,
        urgency: 'high',
        ...(push.topic ? { topic: push.topic } : {}),
        timeout: this.options.timeoutMs,
        ...(this.options.agent ? { agent: this.options.agent } : {}),
      });
    } catch (error) {
      throw webPushFailure(error);
    }
  }
}

/**
 * The push service's answer as a named error (RFC 8030 §5, §8.3): 404/410 the subscription is gone; 429 and 5xx are
 * worth another try, as is a network failure or a timeout; any other status is a refusal that a retry will not change.
 * Neither the endpoint (a capability URL) nor the response body goes into the message.
 */
export function webPushFailure(error: unknown): Error {
  if (error instanceof WebPushError) {
    const status = error.statusCode;
    if (status === 404 || status === 410)
      return new PushSubscriptionGoneError(`The push service answered ${status}: the subscription is gone`);
    if (status === 429 || status >= 500) return new DeliveryError(`The push service answered ${status}`);
    return new PushRefusedError(`The push service refused the push (${status})`);
  }
  return new DeliveryError('The push service could not be reached', { cause: error });
}
