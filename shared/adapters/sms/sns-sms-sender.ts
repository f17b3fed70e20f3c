import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { DeliveryError, OptedOutError } from '../../domain/errors.js';
import type { OutboundSms, SmsSender } from '../../ports/sms-sender.js';
import { isTransientAwsError } from '../aws-errors.js';

export interface SnsSmsOptions {
  /** Origination number (E.164) used when a message names none; without one SNS picks from the account's numbers. */
  originationNumber?: string;
}

/**
 * The alternative SMS path: SNS Publish to a phone number (delivered through End User Messaging). New deployments
 * should prefer EndUserMessagingSmsSender.
 */
export class SnsSmsSender implements SmsSender {
  constructor(
    private readonly client: SNSClient,
    private readonly options: SnsSmsOptions = {},
  ) {}

  async send(message: OutboundSms): Promise<{ messageId: string }> {
    const origination = message.from ?? this.options.originationNumber;
    try {
      const { MessageId } = await this.client.send(
        new PublishCommand({
          PhoneNumber: message.to,
          Message: message.body,
          MessageAttributes: {
            'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
            ...(origination
              ? { 'AWS.MM.SMS.OriginationNumber': { DataType: 'String', StringValue: origination } }
              : {}),
          },
        }),
      );
      if (!MessageId) throw new DeliveryError('SNS accepted the SMS without a message id');
      return { messageId: MessageId };
    } catch (error) {
      if (error instanceof Error && error.name === 'OptedOutException') {
        throw new OptedOutError('The destination number opted out of SMS', { cause: error });
      }
      if (isTransientAwsError(error)) throw new DeliveryError('SNS could not send the SMS now', { cause: error });
      throw error;
    }
  }
}
