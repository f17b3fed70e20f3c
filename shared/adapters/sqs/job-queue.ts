import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { directoryJobSchema, type DirectoryJob } from '../../domain/directory-job.js';
import { DeliveryError, ValidationError } from '../../domain/errors.js';
import type { JobQueue } from '../../ports/job-queue.js';
import { isTransientAwsError } from '../aws-errors.js';

/** The directory job queue. A job is validated before it leaves, so the worker never sees one it cannot parse. */
export class SqsJobQueue implements JobQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly options: { queueUrl: string },
  ) {}

  async enqueue(job: DirectoryJob, options: { delaySeconds?: number } = {}): Promise<void> {
    const parsed = directoryJobSchema.safeParse(job);
    if (!parsed.success) {
      throw new ValidationError(
        'Refused to enqueue an invalid directory job',
        parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
      );
    }
    try {
      await this.client.send(
        new SendMessageCommand({
          QueueUrl: this.options.queueUrl,
          MessageBody: JSON.stringify(parsed.data),
          ...(options.delaySeconds ? { DelaySeconds: options.delaySeconds } : {}),
          MessageAttributes: { kind: { DataType: 'String', StringValue: parsed.data.kind } },
        }),
      );
    } catch (error) {
      if (isTransientAwsError(error)) throw new DeliveryError('The job queue is unavailable', { cause: error });
      throw error;
    }
  }
}
