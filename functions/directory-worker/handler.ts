import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Observability } from '../../shared/observability/powertools.js';
import { directoryJobSchema, type DirectoryJob } from '../../shared/domain/directory-job.js';
import { ValidationError } from '../../shared/domain/errors.js';

type JobKind = DirectoryJob['kind'];
type JobOfKind<Kind extends JobKind> = Extract<DirectoryJob, { kind: Kind }>;

/** What the worker does for each kind of job; every handler must be idempotent on jobId. */
export type JobHandlers = { [Kind in JobKind]: (job: JobOfKind<Kind>) => Promise<void> };

export interface DirectoryWorkerDependencies {
  observability: Observability;
  jobs: JobHandlers;
}

/**
 * The only function that talks to AD. Consumes SQS batches and reports partial failures: a failed record goes back
 * to the queue, is retried, and after maxReceiveCount lands in the DLQ (which raises an alarm). Nothing is swallowed.
 */
export function createDirectoryWorkerHandler({ observability, jobs }: DirectoryWorkerDependencies) {
  const { logger, metrics, tracer } = observability;
  const processor = new BatchProcessor(EventType.SQS);

  const processRecord = async (record: SQSRecord): Promise<void> => {
    const job = parseJob(record.body);
    const receiveCount = Number(record.attributes.ApproximateReceiveCount);
    logger.appendKeys({ jobId: job.jobId, jobKind: job.kind });
    try {
      logger.info('job started', { receiveCount });
      await runJob(jobs, job);
      metrics.addMetric(`Job_${job.kind}_Succeeded`, MetricUnit.Count, 1);
      logger.info('job done');
    } catch (error) {
      metrics.addMetric(`Job_${job.kind}_Failed`, MetricUnit.Count, 1);
      logger.error('job failed', error instanceof Error ? error : String(error));
      throw error;
    } finally {
      logger.removeKeys(['jobId', 'jobKind']);
    }
  };

  const handle = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, processRecord, processor, { context, throwOnFullBatchFailure: false });

  return middy<SQSEvent, SQSBatchResponse>(handle)
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}

/** Refuses anything that is not a known job; such a record fails and ends in the DLQ, where an admin sees it. */
export function parseJob(body: string): DirectoryJob {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new ValidationError('job body is not JSON');
  }
  const result = directoryJobSchema.safeParse(json);
  if (!result.success) {
    throw new ValidationError('job does not match the schema', result.error.issues.map((issue) => issue.path.join('.')));
  }
  return result.data;
}

function runJob(jobs: JobHandlers, job: DirectoryJob): Promise<void> {
  switch (job.kind) {
    case 'ping':
      return jobs.ping(job);
    case 'lockout-scan':
      return jobs['lockout-scan'](job);
    case 'reset':
      return jobs.reset(job);
    case 'unlock':
      return jobs.unlock(job);
  }
}
