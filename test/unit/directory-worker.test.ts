import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { createDirectoryWorkerHandler, parseJob, type JobHandlers } from '../../functions/directory-worker/handler.js';
import { testObservability } from '../support/observability.js';
import { ValidationError } from '../../shared/domain/errors.js';
import type { DirectoryJob } from '../../shared/domain/directory-job.js';
import { lambdaContext } from '../support/lambda-context.js';
import { captureLogsOfEachTest } from '../support/capture-logs.js';
import { sqsRecord } from '../../local/stand-ins/sqs-record.js';
import { jobHandlersWith } from '../support/job-handlers.js';

function jobRecord(messageId: string, body: string): SQSRecord {
  return sqsRecord(body, { messageId });
}

const ping = (): DirectoryJob => ({ kind: 'ping', jobId: crypto.randomUUID(), requestedAt: new Date().toISOString() });

describe('directory worker', () => {
  const logs = captureLogsOfEachTest();

  function workerWith(jobs: Partial<JobHandlers>) {
    return createDirectoryWorkerHandler({
      observability: testObservability('worker-test'),
      jobs: jobHandlersWith(jobs),
    });
  }

  it('acks valid jobs and reports only the failed records back to SQS', async () => {
    const done: string[] = [];
    const worker = workerWith({
      ping: async (job) => {
        done.push(job.jobId);
      },
    });
    const good = ping();
    const event: SQSEvent = {
      Records: [
        jobRecord('m-good', JSON.stringify(good)),
        jobRecord('m-bad-json', '{not json'),
        jobRecord('m-bad-shape', JSON.stringify({ kind: 'reset', jobId: 'nope' })),
      ],
    };
    const response = await worker(event, lambdaContext());
    expect(done).toEqual([good.jobId]);
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual([
      'm-bad-json',
      'm-bad-shape',
    ]);
  });

  it('returns a failing job to the queue instead of swallowing the error', async () => {
    const worker = workerWith({
      ping: async () => {
        throw new Error('DC unreachable');
      },
    });
    const response = await worker({ Records: [jobRecord('m1', JSON.stringify(ping()))] }, lambdaContext());
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(logs.lines().some((line) => line.message === 'job failed')).toBe(true);
  });

  it('refuses jobs that carry anything beyond ids (a password never travels on the queue)', () => {
    const job = {
      kind: 'reset',
      jobId: crypto.randomUUID(),
      requestedAt: new Date().toISOString(),
      userGuid: crypto.randomUUID(),
      channel: 'sms',
    };
    expect(parseJob(JSON.stringify(job)).kind).toBe('reset');
    // Unknown keys are stripped by the schema, so a smuggled password can never reach a job handler.
    const parsed = parseJob(JSON.stringify({ ...job, password: 'Secret123!' }));
    expect(parsed).not.toHaveProperty('password');
    expect(() => parseJob(JSON.stringify({ ...job, userGuid: 'jane.doe' }))).toThrow(ValidationError);
  });
});
