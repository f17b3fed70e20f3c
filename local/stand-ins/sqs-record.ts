import { randomUUID } from 'node:crypto';
import type { SQSRecord, SQSRecordAttributes } from 'aws-lambda';

export interface SqsRecordOptions {
  messageId?: string;
  /** The queue the record comes from (the job queue's ARN shape when absent). */
  queueArn?: string;
  /** Attributes SQS sets (ApproximateReceiveCount, SenderId…), over a first receive sent now. */
  attributes?: Partial<SQSRecordAttributes>;
}

/** One SQS message as an event source mapping hands it to a function. */
export function sqsRecord(body: string, options: SqsRecordOptions = {}): SQSRecord {
  const now = String(Date.now());
  return {
    messageId: options.messageId ?? randomUUID(),
    receiptHandle: randomUUID(),
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: now,
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: now,
      ...options.attributes,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: options.queueArn ?? 'arn:aws:sqs:us-east-1:123456789012:blink-jobs',
    awsRegion: 'us-east-1',
  };
}
