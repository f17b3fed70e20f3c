import middy from '@middy/core';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
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

/**
 * An SQS consumer with partial batch responses, in the house chain: each record goes to `processRecord` with its
 * receive count; a record that throws goes back to the queue alone (and after maxReceiveCount to the DLQ), the others
 * are acknowledged. A missing or malformed count reads as a first delivery, so nothing counts as a last one too early.
 */
export function observedSqsBatchHandler(
  processRecord: (record: SQSRecord, receiveCount: number) => Promise<void>,
  observability: Observability,
) {
  const processor = new BatchProcessor(EventType.SQS);
  const processWithCount = (record: SQSRecord) =>
    processRecord(record, Number.parseInt(record.attributes.ApproximateReceiveCount, 10) || 1);
  const handle = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, processWithCount, processor, { context, throwOnFullBatchFailure: false });
  return observedHandler<SQSEvent, SQSBatchResponse>(handle, observability);
}
