import { startSes } from '../../local/stand-ins/ses';
import { SesEmailSender } from '../../shared/adapters/ses/email-sender';
import { createSesClient } from '../../shared/composition/aws-clients';
import { useLocalService } from '../support/local-service';

const ses = useLocalService(startSes, createSesClient);

beforeEach(() => ses.standIn.clear());

describe('SesEmailSender', () => {
  it('sends the email with subject, text and HTML from the configured address', async () => {
    const sender = new SesEmailSender(ses.client, { from: 'blink@blink.test', configurationSetName: 'blink-events' });
    const { messageId } = await sender.send({
      to: 'ada@blink.test',
      subject: 'Your password was reset',
      text: 'Your password was reset at 12:00.',
      html: '<p>Your password was reset at <b>12:00</b>.</p>',
    });

    const emails = await ses.standIn.listEmails();
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({
      messageId,
      from: 'blink@blink.test',
      destination: { to: ['ada@blink.test'] },
      subject: 'Your password was reset',
      body: { text: 'Your password was reset at 12:00.', html: '<p>Your password was reset at <b>12:00</b>.</p>' },
    });
  });

  it('clears the store between tests', async () => {
    expect(await ses.standIn.listEmails()).toEqual([]);
    await new SesEmailSender(ses.client, { from: 'blink@blink.test' }).send({
      to: 'b@blink.test',
      subject: 's',
      text: 't',
      html: 'h',
    });
    expect(await ses.standIn.listEmails()).toHaveLength(1);
    await ses.standIn.clear();
    expect(await ses.standIn.listEmails()).toEqual([]);
  });
});
