import path from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { startLoopbackChild } from './child-process.js';

export interface SqsStandIn {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * SQS (fauxqs 2: visibility timeout, receive counts, DLQ redrive). fauxqs is published as ES modules only, which
 * jest's CommonJS module registry cannot load, so it runs in a child Node process bound to 127.0.0.1.
 */
export async function startSqs(options: { port?: number; startTimeoutMs?: number } = {}): Promise<SqsStandIn> {
  const child = await startLoopbackChild({
    name: 'fauxqs',
    args: [path.join(__dirname, 'fauxqs-process.mjs'), String(options.port ?? 0)],
    startTimeoutMs: options.startTimeoutMs ?? 15_000,
  });
  return { endpoint: `http://127.0.0.1:${child.port}`, stop: () => child.stop() };
}

export interface JobQueueUrls {
  queueUrl: string;
  queueArn: string;
  deadLetterQueueUrl: string;
  deadLetterQueueArn: string;
}

/**
 * Creates the directory job queue as the CDK design has it: a dead-letter queue, and a main queue that moves a message
 * there after `maxReceiveCount` receives without a delete.
 */
export async function createJobQueue(
  client: SQSClient,
  options: { queueName: string; visibilityTimeoutSeconds: number; maxReceiveCount: number },
): Promise<JobQueueUrls> {
  const deadLetter = await createQueueWithArn(client, `${options.queueName}-dlq`, {});
  const main = await createQueueWithArn(client, options.queueName, {
    VisibilityTimeout: String(options.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetter.arn, maxReceiveCount: options.maxReceiveCount }),
  });
  return {
    queueUrl: main.url,
    queueArn: main.arn,
    deadLetterQueueUrl: deadLetter.url,
    deadLetterQueueArn: deadLetter.arn,
  };
}

async function createQueueWithArn(client: SQSClient, name: string, attributes: Record<string, string>) {
  const created = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const url = z.string().parse(created.QueueUrl);
  const described = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return { url, arn: z.string().parse(described.Attributes?.QueueArn) };
}
