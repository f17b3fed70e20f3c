import middy from '@middy/core';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { createApiHandler } from '../../functions/api/handler.js';
import { traceHandler } from '../../shared/observability/powertools.js';
import { testObservability } from '../support/observability.js';
import { apiEvent } from '../support/api-event.js';
import { lambdaContext } from '../support/lambda-context.js';

/**
 * A tracer that behaves as in Lambda with tracing on (a segment to hang the handler's subsegment on), and records what
 * it would put in the trace.
 */
function tracingTracer(tracer: Tracer): { responsesRecorded: unknown[] } {
  const responsesRecorded: unknown[] = [];
  const subsegment = { close: () => undefined };
  jest.spyOn(tracer, 'isTracingEnabled').mockReturnValue(true);
  jest
    .spyOn(tracer, 'getSegment')
    .mockReturnValue({ addNewSubsegment: () => subsegment } as unknown as ReturnType<Tracer['getSegment']>);
  jest.spyOn(tracer, 'setSegment').mockImplementation(() => undefined);
  jest.spyOn(tracer, 'annotateColdStart').mockImplementation(() => undefined);
  jest.spyOn(tracer, 'addServiceNameAnnotation').mockImplementation(() => undefined);
  jest.spyOn(tracer, 'addResponseAsMetadata').mockImplementation((response) => void responsesRecorded.push(response));
  return { responsesRecorded };
}

describe('traces keep answers out', () => {
  it('records the handler subsegment but never the response, where Powertools alone would record it', async () => {
    const secretAnswer = { uri: 'blink://enroll?v=1&code=binding-code-value' };
    const withDefaults = testObservability('trace-test').tracer;
    const ours = testObservability('trace-test').tracer;
    const recordedByDefault = tracingTracer(withDefaults);
    const recordedByOurs = tracingTracer(ours);
    await middy(async () => secretAnswer).use(captureLambdaHandler(withDefaults))({}, lambdaContext('blink-api'));
    await middy(async () => secretAnswer).use(traceHandler(ours))({}, lambdaContext('blink-api'));
    // The control shows the spy sees what Powertools records by default; ours records nothing.
    expect(recordedByDefault.responsesRecorded).toEqual([secretAnswer]);
    expect(recordedByOurs.responsesRecorded).toEqual([]);
    expect(ours.setSegment).toHaveBeenCalled();
  });

  it('is what the public API handler uses', async () => {
    const observability = testObservability('trace-test');
    const { responsesRecorded } = tracingTracer(observability.tracer);
    const handler = createApiHandler({ observability, version: '1' });
    const answer = await handler(apiEvent('GET', '/version'), lambdaContext('blink-api'));
    expect(answer.statusCode).toBe(200);
    expect(observability.tracer.setSegment).toHaveBeenCalled();
    expect(responsesRecorded).toEqual([]);
  });
});
