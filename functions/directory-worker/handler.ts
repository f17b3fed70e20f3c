import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import type { Observability } from '../../shared/observability/powertools.js';
import { observedSqsBatchHandler } from '../../shared/observability/handler-chain.js';
import { directoryJobSchema, type DirectoryJob } from '../../shared/domain/directory-job.js';
import { ValidationError } from '../../shared/domain/errors.js';
import { parseJsonText, zodIssuePaths } from '../../shared/validation/parse-json.js';

import type { JobDelivery, JobHandlers } from '../../shared/use-cases/directory-jobs/index.js';

export type { JobDelivery, JobHandlers } from '../../shared/use-cases/directory-jobs/index.js';

export interface DirectoryWorkerDependencies {
  observability: Observability;
  jobs: JobHandlers;
}

/**
 * The only function that talks to AD. Consumes SQS batches and reports partial failures: a failed record goes back
 * to the queue, is retried, and after maxReceiveCount lands in the DLQ (which raises an alarm). Nothing is swallowed.
 */
export function createDirectoryWorkerHandler({ observability, jobs }: DirectoryWorkerDependencies) {
  const { logger, metrics } = observability;
  const processRecord = async (record: SQSRecord, receiveCount: number): Promise<void> => {
    let job: DirectoryJob;
    try {
      job = parseJob(record.body);
    } catch (error) {
      // Not a job this worker knows: it fails every delivery and ends in the DLQ, where an admin can read it.
      metrics.addMetric('Job_Invalid', MetricUnit.Count, 1);
      logger.error('job refused: not a valid job', {
        messageId: record.messageId,
        receiveCount,
        issues: error instanceof ValidationError ? error.issues : [],
      });
      throw error;
    }
    logger.appendKeys({ jobId: job.jobId, jobKind: job.kind });
    try {
      logger.info('job started', { receiveCount });
      await runJob(jobs, job, { receiveCount });
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

  return observedSqsBatchHandler(processRecord, observability);
}

/** Refuses anything that is not a known job; such a record fails and ends in the DLQ, where an admin sees it. */
export function parseJob(body: string): DirectoryJob {
  const job = directoryJobSchema.safeParse(parseJsonText(body, 'job'));
  if (!job.success) throw new ValidationError('job does not match the schema', zodIssuePaths(job.error));
  return job.data;
}

function runJob(jobs: JobHandlers, job: DirectoryJob, delivery: JobDelivery): Promise<void> {
  switch (job.kind) {
    case 'ping':
      return jobs.ping(job, delivery);
    case 'lockout-scan':
      return jobs['lockout-scan'](job, delivery);
    case 'reset':
      return jobs.reset(job, delivery);
    case 'unlock':
      return jobs.unlock(job, delivery);
    case 'password-expiry-scan':
      return jobs['password-expiry-scan'](job, delivery);
    case 'lockout-alert':
      return jobs['lockout-alert'](job, delivery);
    case 'expiry-reminder-sms':
      return jobs['expiry-reminder-sms'](job, delivery);
  }
}
