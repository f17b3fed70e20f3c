import type { SQSBatchResponse } from 'aws-lambda';
import { parseInboundSmsFailureRecord } from '../../functions/inbound-sms/failure-record.js';
import { createInboundSmsFailureHandler, dispatchInboundSmsEvent } from '../../functions/inbound-sms/handler.js';
import {
  failureQueueBatch,
  inboundSmsFailureRecord,
  inboundSmsNotification,
} from '../../local/stand-ins/lambda-failure-record.js';
import { ValidationError } from '../../shared/domain/errors.js';
import type { InboundSms } from '../../shared/domain/inbound-sms.js';
import { testObservability } from '../support/observability.js';
import type { GivenUpInboundSms } from '../../shared/use-cases/inbound-sms/index.js';
import { captureLogsOfEachTest } from '../support/capture-logs.js';
import { lambdaContext } from '../support/lambda-context.js';

const message: InboundSms = {
  originationNumber: '+14255550182',
  destinationNumber: '+18553917277',
  messageKeyword: 'RESET',
  messageBody: 'Reset',
  inboundMessageId: 'cae173d2-66b9-564c-8309-21f858e9fb84',
};

/** Lambda's on-failure record as documented (invocation-async-retain-records), with the given SNS payload. */
function record(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...(JSON.parse(inboundSmsFailureRecord(message)) as Record<string, unknown>), ...overrides };
}

function issuesOf(body: string): string[] {
  try {
    parseInboundSmsFailureRecord(body);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('parsing the inbound SMS failure record', () => {
  it('returns the inbound SMS of the failed SNS invocation, the condition and the invoke count', () => {
    expect(parseInboundSmsFailureRecord(inboundSmsFailureRecord(message, { condition: 'EventAgeExceeded' }))).toEqual({
      requestId: expect.any(String),
      condition: 'EventAgeExceeded',
      approximateInvokeCount: 3,
      messages: [message],
    });
  });

  it('accepts the exact record shape Lambda documents (extra fields ignored)', () => {
    const documented = {
      version: '1.0',
      timestamp: '2019-11-14T18:16:05.568Z',
      requestContext: {
        requestId: 'e4b46cbf-b738-xmpl-8880-a18cdf61200e',
        functionArn: 'arn:aws:lambda:us-east-2:123456789012:function:my-function:$LATEST',
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: inboundSmsNotification(message),
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: {
        errorMessage: 'RequestId: e4b46cbf-b738-xmpl-8880-a18cdf61200e Process exited before completing request',
      },
    };
    expect(parseInboundSmsFailureRecord(JSON.stringify(documented)).messages).toEqual([message]);
  });

  it.each([
    ['not JSON', 'not json', []],
    ['an SNS event instead of a record', JSON.stringify(inboundSmsNotification(message)), ['requestContext']],
    [
      'no condition',
      JSON.stringify(record({ requestContext: { requestId: 'r', functionArn: 'f', approximateInvokeCount: 3 } })),
      ['requestContext.condition'],
    ],
    [
      'a payload that is not SNS',
      JSON.stringify(record({ requestPayload: { Records: [{ eventSource: 'aws:sqs', body: '{}' }] } })),
      ['requestPayload.Records.0.EventSource'],
    ],
    ['an empty SNS event', JSON.stringify(record({ requestPayload: { Records: [] } })), ['requestPayload.Records']],
    [
      'an SNS message that is not JSON',
      JSON.stringify(
        record({
          requestPayload: { Records: [{ EventSource: 'aws:sns', Sns: { MessageId: 'm', Message: 'RESET' } }] },
        }),
      ),
      [],
    ],
    [
      'an SNS message that is not an inbound SMS',
      JSON.stringify(
        record({
          requestPayload: {
            Records: [
              {
                EventSource: 'aws:sns',
                Sns: { MessageId: 'm', Message: JSON.stringify({ ...message, originationNumber: 'Secret-Word-12' }) },
              },
            ],
          },
        }),
      ),
      ['originationNumber'],
    ],
  ])(
    'throws a ValidationError (so the record is retried, then dead-lettered) for %s, naming paths, never values',
    (_what, body, paths) => {
      expect(() => parseInboundSmsFailureRecord(body)).toThrow(ValidationError);
      const issues = issuesOf(body);
      for (const path of paths) expect(issues).toContain(path);
      expect(JSON.stringify(issues)).not.toContain('Secret-Word-12');
    },
  );
});

describe('the inbound-sms function with its failure queue', () => {
  const logs = captureLogsOfEachTest();

  const observability = () => testObservability('inbound-failure-test');

  it('hands each parsed record to the use case and reports only the failed records back to SQS', async () => {
    const handled: GivenUpInboundSms[] = [];
    const failing = { ...message, inboundMessageId: 'will-fail' };
    const handler = createInboundSmsFailureHandler({
      observability: observability(),
      handleFailure: async (failure) => {
        if (failure.message.inboundMessageId === 'will-fail') throw new Error('SMS provider down');
        handled.push(failure);
      },
    });
    const batch = failureQueueBatch([inboundSmsFailureRecord(message), 'garbage', inboundSmsFailureRecord(failing)]);
    const response = await handler(batch, lambdaContext());
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual([
      batch.Records[1]?.messageId,
      batch.Records[2]?.messageId,
    ]);
    expect(handled).toEqual([{ message, condition: 'RetriesExhausted' }]);
    expect(logs.text()).not.toContain(message.originationNumber);
    expect(logs.text()).not.toContain('"Reset"');
  });

  it('dispatches SNS notifications and SQS batches to their handlers and refuses anything else', async () => {
    const seen: string[] = [];
    const dispatch = dispatchInboundSmsEvent({
      notifications: async () => void seen.push('sns'),
      failures: async (): Promise<SQSBatchResponse> => {
        seen.push('sqs');
        return { batchItemFailures: [] };
      },
    });
    await dispatch(inboundSmsNotification(message), lambdaContext());
    expect(await dispatch(failureQueueBatch([inboundSmsFailureRecord(message)]), lambdaContext())).toEqual({
      batchItemFailures: [],
    });
    expect(seen).toEqual(['sns', 'sqs']);
    for (const event of [
      {},
      { Records: [] },
      { admin: { action: 'x' } },
      { Records: [{ eventSource: 'aws:kinesis' }] },
    ]) {
      await expect(dispatch(event, lambdaContext())).rejects.toThrow(ValidationError);
    }
    expect(seen).toEqual(['sns', 'sqs']);
  });
});
