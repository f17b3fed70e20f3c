import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { DeliveryError } from '../../domain/errors.js';
import type { EmailSender, OutboundEmail } from '../../ports/email-sender.js';
import { isTransientAwsError } from '../aws-errors.js';

export interface SesEmailSenderOptions {
  /** Verified sender address (EMAIL_FROM). */
  from: string;
  configurationSetName?: string;
}

/** Sends through SES v2 with simple content: subject, plain text and HTML. */
export class SesEmailSender implements EmailSender {
  constructor(
    private readonly client: SESv2Client,
    private readonly options: SesEmailSenderOptions,
  ) {}

  async send(email: OutboundEmail): Promise<{ messageId: string }> {
    try {
      const { MessageId } = await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: this.options.from,
          Destination: { ToAddresses: [email.to] },
          Content: {
            Simple: {
              Subject: { Data: email.subject, Charset: 'UTF-8' },
              Body: { Text: { Data: email.text, Charset: 'UTF-8' }, Html: { Data: email.html, Charset: 'UTF-8' } },
            },
          },
          ...(this.options.configurationSetName ? { ConfigurationSetName: this.options.configurationSetName } : {}),
        }),
      );
      if (!MessageId) throw new DeliveryError('SES accepted the email without a message id');
      return { messageId: MessageId };
    } catch (error) {
      if (isTransientAwsError(error)) throw new DeliveryError('SES could not send the email now', { cause: error });
      throw error;
    }
  }
}
