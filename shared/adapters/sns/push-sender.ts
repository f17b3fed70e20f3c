import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { ValidationError } from '../../domain/errors.js';
import { SNS_PUSH_ENDPOINT_ARN } from '../../domain/push-token.js';
import type { OutboundPush, PushSender } from '../../ports/push-sender.js';
import { sendForMessageId } from '../aws-errors.js';

/**
 * Mobile push through SNS: Publish to the device's platform endpoint ARN with one payload per platform
 * (APNs, APNs sandbox, FCM v1), so the same call works whatever platform application the endpoint belongs to.
 */
export class SnsPushSender implements PushSender {
  constructor(private readonly client: SNSClient) {}

  async send(push: OutboundPush): Promise<{ messageId: string }> {
    // Only mobile push endpoints: a stored target that is anything else (a topic, a phone number, a raw token kept
    // from before endpoints were made server-side) is never published to.
    if (!SNS_PUSH_ENDPOINT_ARN.test(push.target))
      throw new ValidationError('The push target is not an SNS mobile push endpoint');
    return sendForMessageId({ service: 'SNS', message: 'the push' }, () =>
      this.client.send(
        new PublishCommand({ TargetArn: push.target, MessageStructure: 'json', Message: snsPushMessage(push) }),
      ),
    );
  }
}

/** The MessageStructure=json body: each platform's payload is itself a JSON string. */
export function snsPushMessage(push: OutboundPush): string {
  const data = push.data ?? {};
  const apns = JSON.stringify({ aps: { alert: { title: push.title, body: push.body }, sound: 'default' }, ...data });
  const fcm = JSON.stringify({
    fcmV1Message: { message: { notification: { title: push.title, body: push.body }, data } },
  });
  return JSON.stringify({ default: push.body, APNS: apns, APNS_SANDBOX: apns, GCM: fcm });
}
