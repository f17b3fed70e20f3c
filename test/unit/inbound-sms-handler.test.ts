import type { SNSEvent } from 'aws-lambda';
import { createInboundSmsHandler } from '../../functions/inbound-sms/handler.js';
import { testObservability } from '../support/observability.js';
import type { InboundSms } from '../../shared/domain/inbound-sms.js';
import { lambdaContext } from '../support/lambda-context.js';
import { captureLogsOfEachTest } from '../support/capture-logs.js';

function snsEvent(messages: string[]): SNSEvent {
  return {
    Records: messages.map((message, index) => ({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: 'arn:aws:sns:us-east-1:123456789012:blink-inbound-sms:sub',
      Sns: {
        Type: 'Notification',
        MessageId: `sns-${index}`,
        TopicArn: 'arn:aws:sns:us-east-1:123456789012:blink-inbound-sms',
        Subject: '',
        Message: message,
        Timestamp: new Date().toISOString(),
        SignatureVersion: '1',
        Signature: '',
        SigningCertUrl: '',
        UnsubscribeUrl: '',
        MessageAttributes: {},
      },
    })),
  };
}

describe('inbound SMS handler', () => {
  const logs = captureLogsOfEachTest();

  it('hands well-formed messages to the use case and drops malformed ones without logging their text', async () => {
    const received: InboundSms[] = [];
    const handler = createInboundSmsHandler({
      observability: testObservability('inbound-test'),
      handleMessage: async (message) => {
        received.push(message);
      },
    });
    const good = {
      originationNumber: '+14255550182',
      destinationNumber: '+18553917277',
      messageKeyword: 'RESET',
      messageBody: 'Reset',
      inboundMessageId: 'cae173d2-66b9-564c-8309-21f858e9fb84',
    };
    await handler(
      snsEvent([
        JSON.stringify(good),
        'not json',
        JSON.stringify({ ...good, originationNumber: 'x', messageBody: 'SECRET-CODE-991' }),
      ]),
      lambdaContext(),
    );
    expect(received).toEqual([good]);
    expect(logs.text()).toContain('malformed inbound SMS ignored');
    expect(logs.text()).not.toContain('SECRET-CODE-991');
  });

  it('lets a use-case failure propagate so SNS retries the delivery', async () => {
    const handler = createInboundSmsHandler({
      observability: testObservability('inbound-test'),
      handleMessage: async () => {
        throw new Error('table unavailable');
      },
    });
    const message = JSON.stringify({
      originationNumber: '+14255550182',
      destinationNumber: '+18553917277',
      messageBody: 'reset',
      inboundMessageId: 'id-1',
    });
    await expect(handler(snsEvent([message]), lambdaContext())).rejects.toThrow('table unavailable');
  });
});
