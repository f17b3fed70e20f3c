import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';

export interface SqsStandIn {
  endpoint: string;
  stop(): Promise<void>;
}

const readySchema = z.object({ port: z.number().int().positive() });

/**
 * SQS (fauxqs 2: visibility timeout, receive counts, DLQ redrive). fauxqs is published as ES modules only, which
 * jest's CommonJS module registry cannot load, so it runs in a child Node process bound to 127.0.0.1.
 */
export async function startSqs(options: { port?: number; startTimeoutMs?: number } = {}): Promise<SqsStandIn> {
  const script = path.join(__dirname, 'fauxqs-process.mjs');
  const child = spawn(process.execPath, [script, String(options.port ?? 0)], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout });
  const firstLine = new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('error', reject);
    void exited.then(([code]) => reject(new Error(`fauxqs exited with code ${String(code)} before listening`)));
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('fauxqs did not start in time')), options.startTimeoutMs ?? 15_000);
  });
  let port: number;
  try {
    port = readySchema.parse(JSON.parse(await Promise.race([firstLine, timeout]))).port;
  } catch (error) {
    child.kill('SIGTERM');
    throw error;
  } finally {
    clearTimeout(timer);
  }
  lines.close();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin.end();
      child.kill('SIGTERM');
      await exited;
    },
  };
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
  return { queueUrl: main.url, queueArn: main.arn, deadLetterQueueUrl: deadLetter.url, deadLetterQueueArn: deadLetter.arn };
}

async function createQueueWithArn(client: SQSClient, name: string, attributes: Record<string, string>) {
  const created = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const url = z.string().parse(created.QueueUrl);
  const described = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return { url, arn: z.string().parse(described.Attributes?.QueueArn) };
}
