import {
  DescribeOptedOutNumbersCommand,
  SendTextMessageCommand,
  type PinpointSMSVoiceV2Client,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { OptedOutError } from '../../domain/errors.js';
import type { OutboundSms, SmsSender } from '../../ports/sms-sender.js';
import { isAwsServiceError, sendForMessageId } from '../aws-errors.js';

export interface EndUserMessagingSmsOptions {
  /** Phone number, pool id or ARN used when a message names none (the first of SMS_ORIGINATION_IDENTITIES). */
  originationIdentity: string;
  configurationSetName?: string;
  /**
   * Opt-out list to check before each send (needs sms-voice:DescribeOptedOutNumbers). With AWS-managed opt-outs a
   * send to an opted-out number may be accepted and silently dropped, so the check is the reliable way to tell.
   */
  optOutListName?: string;
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
      return await sendForMessageId({ service: 'End User Messaging', message: 'the SMS' }, async () => {
        if (this.options.optOutListName && (await this.isOnOptOutList(this.options.optOutListName, message.to))) {
          throw new OptedOutError('The destination number opted out of SMS');
        }
        return this.client.send(
          new SendTextMessageCommand({
            DestinationPhoneNumber: message.to,
            OriginationIdentity: message.from ?? this.options.originationIdentity,
            MessageBody: message.body,
            MessageType: 'TRANSACTIONAL',
            ...(this.options.configurationSetName ? { ConfigurationSetName: this.options.configurationSetName } : {}),
          }),
        );
      });
    } catch (error) {
      if (isOptedOut(error)) throw new OptedOutError('The destination number opted out of SMS', { cause: error });
      throw error;
    }
  }

  private async isOnOptOutList(optOutListName: string, phoneE164: string): Promise<boolean> {
    const { OptedOutNumbers } = await this.client.send(
      new DescribeOptedOutNumbersCommand({ OptOutListName: optOutListName, OptedOutNumbers: [phoneE164] }),
    );
    return (OptedOutNumbers ?? []).some((entry) => entry.OptedOutNumber === phoneE164);
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
