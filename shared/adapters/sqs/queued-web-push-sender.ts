import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DeliveryError, ValidationError } from '../../domain/errors.js';
import { queuedWebPushSchema } from '../../domain/web-push.js';
import type { OutboundWebPush, WebPushSender } from '../../ports/web-push-sender.js';
import { isTransientAwsError } from '../aws-errors.js';

/**
 * Web Push through the web-push queue: the function that decides to push (the directory worker, inside the VPC) only
 * queues it, and the web-push sender outside the VPC encrypts, signs and posts it. `send` resolves once queued. The
 * subscription's keys are not queued: the sender reads them from the device item.
 */
export class QueuedWebPushSender implements WebPushSender {
  constructor(
    private readonly client: SQSClient,
    private readonly options: { queueUrl: string },
  ) {}

  async send(push: OutboundWebPush): Promise<void> {
    const parsed = queuedWebPushSchema.safeParse({
      deviceId: push.deviceId,
      endpoint: push.subscription.endpoint,
      notification: push.notification,
      ttlSeconds: push.ttlSeconds,
      ...(push.topic ? { topic: push.topic } : {}),
    });
    if (!parsed.success) {
      // The paths only: the endpoint is a capability URL and stays out of errors and logs.
      throw new ValidationError(
        'Refused to queue an invalid Web Push',
        parsed.error.issues.map((issue) => issue.path.join('.')),
      );
    }
    try {
      await this.client.send(
        new SendMessageCommand({ QueueUrl: this.options.queueUrl, MessageBody: JSON.stringify(parsed.data) }),
      );
    } catch (error) {
      // Worth another try either way: the lockout alert releases its event and the retried scan queues it again.
      throw new DeliveryError(
        isTransientAwsError(error) ? 'The web-push queue is unavailable' : 'The Web Push could not be queued',
        { cause: error },
      );
    }
  }
}
