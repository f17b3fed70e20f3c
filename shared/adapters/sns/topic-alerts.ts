import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { OperatorAlert, OperatorAlerts } from '../../ports/operator-alerts.js';

/** SNS allows a subject of at most 100 printable ASCII characters, on one line. */
const subjectOf = (subject: string) =>
  subject
    .replace(/[^\x20-\x7e]/g, ' ')
    .slice(0, 100)
    .trim();

/** Operator alerts published to an SNS topic (the deployment's alarm topic). */
export class SnsTopicAlerts implements OperatorAlerts {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async alert(alert: OperatorAlert): Promise<void> {
    await this.client.send(
      new PublishCommand({ TopicArn: this.topicArn, Subject: subjectOf(alert.subject), Message: alert.message }),
    );
  }
}
