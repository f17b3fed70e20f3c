import { createHash } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';

export interface SqsPollerOptions {
  client: SQSClient;
  queueUrl: string;
  queueArn: string;
  /** The consumer, as Lambda's event source mapping would invoke it. */
  handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;
  createContext: () => Context;
  onError: (message: string, error: unknown) => void;
  /** Long-poll wait per receive (seconds). */
  waitTimeSeconds?: number;
}

export interface SqsPoller {
  stop(): Promise<void>;
}

/**
 * Lambda's SQS event source mapping, locally: receives up to 10 messages, delivers them as one SQS event, and deletes
 * the records the handler did not report in batchItemFailures. When the handler throws, nothing is deleted. Failed
 * records reappear after the queue's visibility timeout and move to the DLQ after maxReceiveCount, as deployed.
 */
export function startSqsPoller(options: SqsPollerOptions): SqsPoller {
  let stopping = false;
  const abort = new AbortController();
  let wakeUp: (() => void) | undefined;

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const pollOnce = async () => {
    const received = await options.client.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: options.waitTimeSeconds ?? 1,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: abort.signal },
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0 || stopping) return;
    const records = messages.map((message) => toSqsRecord(message, options.queueArn));

    let failedIds: Set<string>;
    try {
      const result = await options.handler({ Records: records }, options.createContext());
      failedIds = new Set((result?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    } catch (error) {
      // Like Lambda: a thrown invocation fails the whole batch; every message comes back after the visibility timeout.
      options.onError('directory worker invocation failed; the batch will be retried', error);
      return;
    }
    const done = records.filter((record) => !failedIds.has(record.messageId));
    if (done.length === 0) return;
    const deleted = await options.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: options.queueUrl,
        Entries: done.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
      }),
    );
    if (deleted.Failed && deleted.Failed.length > 0) {
      options.onError('some processed messages could not be deleted', deleted.Failed);
    }
  };

  const loop = (async () => {
    while (!stopping) {
      try {
        await pollOnce();
      } catch (error) {
        if (stopping) break;
        options.onError('polling the job queue failed; retrying in 1 s', error);
        await pause(1000);
      }
    }
  })();

  return {
    async stop() {
      stopping = true;
      abort.abort();
      wakeUp?.();
      await loop;
    },
  };
}

function toSqsRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  const body = message.Body ?? '';
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body,
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(attributes.MessageGroupId ? { MessageGroupId: attributes.MessageGroupId } : {}),
      ...(attributes.MessageDeduplicationId ? { MessageDeduplicationId: attributes.MessageDeduplicationId } : {}),
      ...(attributes.SequenceNumber ? { SequenceNumber: attributes.SequenceNumber } : {}),
      ...(attributes.AWSTraceHeader ? { AWSTraceHeader: attributes.AWSTraceHeader } : {}),
    },
    messageAttributes: toLambdaMessageAttributes(message.MessageAttributes ?? {}),
    md5OfBody: message.MD5OfBody ?? createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: queueArn.split(':')[3] ?? 'us-east-1',
  };
}

/** SQS API message attributes in the shape Lambda puts in an SQS event (camelCase, binary as base64). */
function toLambdaMessageAttributes(attributes: Record<string, MessageAttributeValue>): SQSMessageAttributes {
  const result: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes)) {
    result[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((item) => Buffer.from(item).toString('base64')),
    };
  }
  return result;
}
