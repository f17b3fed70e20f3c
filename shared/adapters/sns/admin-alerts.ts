import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { DeliveryError } from '../../domain/errors.js';
import type { AdminAlerts } from '../../ports/admin-alerts.js';
import { isTransientAwsError } from '../aws-errors.js';

/** Admin alerts published to the alarm topic (its email subscription, the CloudWatch alarms' topic). */
export class SnsAdminAlerts implements AdminAlerts {
  constructor(
    private readonly client: SNSClient,
    private readonly options: { topicArn: string },
  ) {}

  async notify(alert: { subject: string; message: string }): Promise<void> {
    try {
      // SNS subjects are at most 100 characters.
      await this.client.send(
        new PublishCommand({
          TopicArn: this.options.topicArn,
          Subject: alert.subject.slice(0, 100),
          Message: alert.message,
        }),
      );
    } catch (error) {
      if (isTransientAwsError(error))
        throw new DeliveryError('SNS could not publish the admin alert now', { cause: error });
      throw error;
    }
  }
}
