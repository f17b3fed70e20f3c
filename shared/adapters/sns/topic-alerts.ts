import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { DeliveryError } from '../../domain/errors.js';
import type { OperatorAlert, OperatorAlerts } from '../../ports/operator-alerts.js';
import { isTransientAwsError } from '../aws-errors.js';

/** SNS allows a subject of at most 100 printable ASCII characters, on one line. */
const subjectOf = (subject: string) =>
  subject
    .replace(/[^\x20-\x7e]/g, ' ')
    .slice(0, 100)
    .trim();

/** Operator alerts published to an SNS topic (the deployment's alarm topic); every failure rejects. */
export class SnsTopicAlerts implements OperatorAlerts {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async alert(alert: OperatorAlert): Promise<void> {
    try {
      await this.client.send(
        new PublishCommand({ TopicArn: this.topicArn, Subject: subjectOf(alert.subject), Message: alert.message }),
      );
    } catch (error) {
      // A throttle or outage is worth a retry (the worker's queue does it); anything else is a fault as it is.
      if (isTransientAwsError(error)) throw new DeliveryError('SNS could not publish the alert now', { cause: error });
      throw error;
    }
  }
}
