import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { EmailSender, OutboundEmail } from '../../ports/email-sender.js';
import { sendForMessageId } from '../aws-errors.js';

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
    return sendForMessageId({ service: 'SES', message: 'the email' }, () =>
      this.client.send(
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
      ),
    );
  }
}
