import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context, SNSEvent, SQSEvent } from 'aws-lambda';
import { createAdminApiHandler } from '../../functions/admin-api/handler.js';
import { createApiHandler } from '../../functions/api/handler.js';
import { createDirectoryWorkerAdminHandler } from '../../functions/directory-worker/admin-handler.js';
import { createDirectoryWorkerHandler, type JobHandlers } from '../../functions/directory-worker/handler.js';
import { createInboundSmsFailureHandler, createInboundSmsHandler } from '../../functions/inbound-sms/handler.js';
import { createWebPushSenderHandler } from '../../functions/web-push-sender/handler.js';
import type { Observability } from '../../shared/observability/powertools.js';
import { testObservability } from '../support/observability.js';
import type { AdminActivation } from '../../shared/use-cases/activation/index.js';
import { apiEvent } from '../support/api-event.js';
import { lambdaContext } from '../support/lambda-context.js';

// Every handler runs in the one house chain (shared/observability/handler-chain.ts): an X-Ray subsegment when tracing
// is on, and the ColdStart metric on the first invocation. Copies of the chain had drifted (the inbound-SMS handler
// had no tracing, its failure handler no cold-start metric); this fails for any handler that leaves the chain.

/** Tracing as in Lambda with it on: a segment to hang the handler's subsegment on, recorded instead of sent. */
function traced(tracer: Tracer): void {
  const subsegment = { close: () => undefined };
  jest.spyOn(tracer, 'isTracingEnabled').mockReturnValue(true);
  jest
    .spyOn(tracer, 'getSegment')
    .mockReturnValue({ addNewSubsegment: () => subsegment, addError: () => undefined } as unknown as ReturnType<
      Tracer['getSegment']
    >);
  jest.spyOn(tracer, 'setSegment').mockImplementation(() => undefined);
  jest.spyOn(tracer, 'annotateColdStart').mockImplementation(() => undefined);
  jest.spyOn(tracer, 'addServiceNameAnnotation').mockImplementation(() => undefined);
}

function sqsBatch(body: string): SQSEvent {
  return {
    Records: [
      {
        messageId: 'm-1',
        receiptHandle: 'handle-m-1',
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '0',
          SenderId: 'local',
          ApproximateFirstReceiveTimestamp: '0',
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:queue',
        awsRegion: 'us-east-1',
      },
    ],
  };
}

const malformedSns: SNSEvent = {
  Records: [
    {
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: 'arn:aws:sns:us-east-1:123456789012:topic:sub',
      Sns: {
        Type: 'Notification',
        MessageId: 'sns-1',
        TopicArn: 'arn:aws:sns:us-east-1:123456789012:topic',
        Subject: '',
        Message: 'not json',
        Timestamp: new Date(0).toISOString(),
        SignatureVersion: '1',
        Signature: '',
        SigningCertUrl: '',
        UnsubscribeUrl: '',
        MessageAttributes: {},
      },
    },
  ],
};

const unused = (): never => {
  throw new Error('not reached by this invocation');
};

type Invoke = (observability: Observability, context: Context) => Promise<unknown>;

/** Each handler with dependencies its invocation never reaches, and an event it answers without them. */
const handlers: Record<string, Invoke> = {
  api: (observability, context) =>
    createApiHandler({ observability, version: '1' })(apiEvent('GET', '/version'), context),
  'inbound-sms notifications': (observability, context) =>
    createInboundSmsHandler({ observability, handleMessage: unused })(malformedSns, context),
  'inbound-sms failures': (observability, context) =>
    createInboundSmsFailureHandler({ observability, handleFailure: unused })(sqsBatch('not a failure record'), context),
  'directory-worker jobs': (observability, context) =>
    createDirectoryWorkerHandler({ observability, jobs: {} as JobHandlers })(sqsBatch('not a job'), context),
  'directory-worker admin': (observability, context) =>
    createDirectoryWorkerAdminHandler({ observability, activation: {} as AdminActivation })(
      { admin: { action: 'unknown' } },
      context,
    ),
  'admin-api': (observability, context) =>
    createAdminApiHandler({ observability } as Parameters<typeof createAdminApiHandler>[0])(
      apiEvent('GET', '/admin/no-such-route'),
      context,
    ),
  'web-push-sender': (observability, context) =>
    createWebPushSenderHandler({ observability, deliver: unused })(sqsBatch('not a queued push'), context),
};

describe('the house handler chain', () => {
  beforeAll(() => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  });
  afterAll(() => {
    delete process.env.POWERTOOLS_METRICS_DISABLED;
  });
  afterEach(() => jest.restoreAllMocks());

  it.each(Object.entries(handlers))(
    'wraps the %s handler with tracing and the cold-start metric',
    async (_, invoke) => {
      const observability = testObservability('chain-test');
      traced(observability.tracer);
      const coldStart = jest.spyOn(observability.metrics, 'captureColdStartMetric');
      const context = lambdaContext('blink-chain-test');

      await invoke(observability, context);

      expect(observability.tracer.setSegment).toHaveBeenCalled();
      expect(coldStart).toHaveBeenCalledWith(context.functionName);
    },
  );
});
