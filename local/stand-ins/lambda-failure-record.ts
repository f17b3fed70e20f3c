import { randomUUID } from 'node:crypto';
import type { SNSEvent, SQSEvent } from 'aws-lambda';
import type { InboundSms } from '../../shared/domain/inbound-sms.js';
import { sqsRecord } from './sqs-record.js';

/**
 * What AWS does with an inbound SMS whose handling keeps failing, which the local runtime does not emulate (no SNS
 * asynchronous retries): after Lambda's two retries it sends an invocation record to the on-failure destination (the
 * inbound SMS failure queue), and the queue's event source hands it back to the inbound-sms function as SQS.
 * These build the same shapes, so tests and the runtime can feed the deployed handler a given-up message.
 */

const TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:blink-inbound-sms';
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:blink-inbound-sms:$LATEST';
const FAILURE_QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:blink-inbound-sms-failures';

/** The SNS notification of one inbound SMS, as the two-way topic invokes the function with it. */
export function inboundSmsNotification(message: InboundSms): SNSEvent {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${TOPIC_ARN}:${randomUUID()}`,
        Sns: {
          Type: 'Notification',
          MessageId: randomUUID(),
          TopicArn: TOPIC_ARN,
          Subject: '',
          Message: JSON.stringify(message),
          Timestamp: new Date().toISOString(),
          SignatureVersion: '1',
          Signature: 'local',
          SigningCertUrl: 'https://sns.us-east-1.amazonaws.com/local.pem',
          UnsubscribeUrl: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
          MessageAttributes: {},
        },
      },
    ],
  };
}

/** Lambda's on-failure invocation record of that notification, as the failure queue holds it (JSON). */
export function inboundSmsFailureRecord(message: InboundSms, options: { condition?: string; at?: Date } = {}): string {
  return JSON.stringify({
    version: '1.0',
    timestamp: (options.at ?? new Date()).toISOString(),
    requestContext: {
      requestId: randomUUID(),
      functionArn: FUNCTION_ARN,
      condition: options.condition ?? 'RetriesExhausted',
      approximateInvokeCount: 3,
    },
    requestPayload: inboundSmsNotification(message),
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: { errorType: 'Error', errorMessage: 'handling the inbound SMS failed' },
  });
}

/** An SQS batch of the failure queue, as its event source mapping invokes the function. */
export function failureQueueBatch(bodies: string[], receiveCount = 1): SQSEvent {
  return {
    Records: bodies.map((body) =>
      sqsRecord(body, {
        queueArn: FAILURE_QUEUE_ARN,
        attributes: { ApproximateReceiveCount: String(receiveCount), SenderId: 'AROAEXAMPLE:blink-inbound-sms' },
      }),
    ),
  };
}
