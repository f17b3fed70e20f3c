import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { traceHandler, type Observability } from './powertools.js';

type HandlerOf<TEvent, TResult> = NonNullable<Parameters<typeof middy<TEvent, TResult>>[0]>;

/**
 * The house chain every Blink handler is wrapped in, written once so no handler drifts from it: the X-Ray
 * subsegment without the response (a no-op where tracing is off, as locally), the Lambda context in every log line
 * (keys reset per invocation), and metrics flushed per invocation with the ColdStart metric on the first.
 * HTTP handlers add the error mapping on top (shared/http/middleware.ts, observedHttpHandler).
 */
export function observedHandler<TEvent, TResult>(handler: HandlerOf<TEvent, TResult>, observability: Observability) {
  const { logger, metrics, tracer } = observability;
  return middy<TEvent, TResult>(handler)
    .use(traceHandler(tracer))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}
