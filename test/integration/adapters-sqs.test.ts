import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { ChangeMessageVisibilityCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { createJobQueue, startSqs, type JobQueueUrls } from '../../local/stand-ins/sqs';
import { SqsJobQueue } from '../../shared/adapters/sqs/job-queue';
import { createSqsClient } from '../../shared/composition/aws-clients';
import { directoryJobSchema, type DirectoryJob } from '../../shared/domain/directory-job';
import { DeliveryError, ValidationError } from '../../shared/domain/errors';
import { localTarget } from '../support/local-aws';
import { useLocalService } from '../support/local-service';
import { pollUntil } from '../support/poll';

const sqs = useLocalService(startSqs, createSqsClient);

function resetJob(): DirectoryJob {
  return {
    kind: 'reset',
    jobId: randomUUID(),
    requestedAt: new Date().toISOString(),
    userGuid: randomUUID(),
    channel: 'sms',
  };
}

async function queueDepth(queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

describe('SqsJobQueue', () => {
  let urls: JobQueueUrls;
  beforeAll(async () => {
    urls = await createJobQueue(sqs.client, {
      queueName: `jobs-${randomUUID()}`,
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 3,
    });
  });

  it('puts the job on the queue as JSON that the worker parses back to the same job', async () => {
    const job = resetJob();
    await new SqsJobQueue(sqs.client, { queueUrl: urls.queueUrl }).enqueue(job);

    const { Messages } = await sqs.client.send(
      new ReceiveMessageCommand({
        QueueUrl: urls.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
      }),
    );
    expect(Messages).toHaveLength(1);
    expect(directoryJobSchema.parse(JSON.parse(Messages?.[0]?.Body ?? ''))).toEqual(job);
    expect(Messages?.[0]?.MessageAttributes?.kind?.StringValue).toBe('reset');
  });

  it('refuses an invalid job before anything is sent', async () => {
    const queueUrl = (
      await createJobQueue(sqs.client, {
        queueName: `empty-${randomUUID()}`,
        visibilityTimeoutSeconds: 30,
        maxReceiveCount: 3,
      })
    ).queueUrl;
    const queue = new SqsJobQueue(sqs.client, { queueUrl });
    const invalid = { ...resetJob(), userGuid: 'not-a-guid', password: 'Secret123!' } as unknown as DirectoryJob;

    await expect(queue.enqueue(invalid)).rejects.toBeInstanceOf(ValidationError);
    await expect(queue.enqueue({ kind: 'explode' } as unknown as DirectoryJob)).rejects.toBeInstanceOf(ValidationError);
    expect(await queueDepth(queueUrl)).toBe(0);
  });

  it('reports an unreachable queue as a retryable DeliveryError', async () => {
    const unusedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const unreachable = createSqsClient(localTarget(`http://127.0.0.1:${unusedPort}`));
    try {
      const queue = new SqsJobQueue(unreachable, { queueUrl: `http://127.0.0.1:${unusedPort}/000000000000/jobs` });
      const sent = queue.enqueue(resetJob());
      await expect(sent).rejects.toBeInstanceOf(DeliveryError);
      await expect(sent).rejects.toMatchObject({ retryable: true });
    } finally {
      unreachable.destroy();
    }
  });

  it('moves a job that is received and never deleted to the dead-letter queue after maxReceiveCount', async () => {
    const dlqUrls = await createJobQueue(sqs.client, {
      queueName: `redrive-${randomUUID()}`,
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 2,
    });
    const job = resetJob();
    await new SqsJobQueue(sqs.client, { queueUrl: dlqUrls.queueUrl }).enqueue(job);

    const receiveCounts: number[] = [];
    const deadLettered = await pollUntil(
      async () => {
        // Simulate a worker that fails: receive, never delete, and make the message visible again at once.
        const { Messages } = await sqs.client.send(
          new ReceiveMessageCommand({
            QueueUrl: dlqUrls.queueUrl,
            MaxNumberOfMessages: 1,
            VisibilityTimeout: 1,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
        );
        for (const message of Messages ?? []) {
          receiveCounts.push(Number(message.Attributes?.ApproximateReceiveCount));
          await sqs.client.send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: dlqUrls.queueUrl,
              ReceiptHandle: message.ReceiptHandle,
              VisibilityTimeout: 0,
            }),
          );
        }
        const dead = await sqs.client.send(
          new ReceiveMessageCommand({ QueueUrl: dlqUrls.deadLetterQueueUrl, MaxNumberOfMessages: 1 }),
        );
        return dead.Messages?.[0];
      },
      { timeoutMs: 10_000, intervalMs: 20, description: 'the job to reach the dead-letter queue' },
    );

    expect(directoryJobSchema.parse(JSON.parse(deadLettered.Body ?? ''))).toEqual(job);
    expect(receiveCounts).toEqual([1, 2]);
    expect(await queueDepth(dlqUrls.queueUrl)).toBe(0);
  });
});
