import { SendTextMessageCommand, type PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { DeliveryError, OptedOutError } from '../../domain/errors.js';
import type { OutboundSms, SmsSender } from '../../ports/sms-sender.js';
import { isAwsServiceError, isTransientAwsError } from '../aws-errors.js';

export interface EndUserMessagingSmsOptions {
  /** Phone number, pool id or ARN used when a message names none (the first of SMS_ORIGINATION_IDENTITIES). */
  originationIdentity: string;
  configurationSetName?: string;
}

/**
 * Sends SMS with AWS End User Messaging SMS (SendTextMessage, transactional). Errors never carry the message body:
 * it may hold a new password.
 */
export class EndUserMessagingSmsSender implements SmsSender {
  constructor(
    private readonly client: PinpointSMSVoiceV2Client,
    private readonly options: EndUserMessagingSmsOptions,
  ) {}

  async send(message: OutboundSms): Promise<{ messageId: string }> {
    try {
      const { MessageId } = await this.client.send(
        new SendTextMessageCommand({
          DestinationPhoneNumber: message.to,
          OriginationIdentity: message.from ?? this.options.originationIdentity,
          MessageBody: message.body,
          MessageType: 'TRANSACTIONAL',
          ...(this.options.configurationSetName ? { ConfigurationSetName: this.options.configurationSetName } : {}),
        }),
      );
      if (!MessageId) throw new DeliveryError('End User Messaging accepted the SMS without a message id');
      return { messageId: MessageId };
    } catch (error) {
      if (isOptedOut(error)) throw new OptedOutError('The destination number opted out of SMS', { cause: error });
      if (isTransientAwsError(error)) throw new DeliveryError('End User Messaging could not send the SMS now', { cause: error });
      throw error;
    }
  }
}

/** The service refuses a send to a number on the opt-out list with ConflictException, Reason DESTINATION_PHONE_NUMBER_OPTED_OUT. */
function isOptedOut(error: unknown): boolean {
  return (
    isAwsServiceError(error) &&
    error.name === 'ConflictException' &&
    'Reason' in error &&
    error.Reason === 'DESTINATION_PHONE_NUMBER_OPTED_OUT'
  );
}
