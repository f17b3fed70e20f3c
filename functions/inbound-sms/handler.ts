import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SNSEvent, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import type { Observability } from '../../shared/observability/powertools.js';
import { observedHandler, observedSqsBatchHandler } from '../../shared/observability/handler-chain.js';
import { parseInboundSms, type InboundSms } from '../../shared/domain/inbound-sms.js';
import { ValidationError } from '../../shared/domain/errors.js';
import type { GivenUpInboundSms } from '../../shared/use-cases/inbound-sms/index.js';
import { parseInboundSmsFailureRecord, type InboundSmsFailureRecord } from './failure-record.js';

export interface InboundSmsDependencies {
  observability: Observability;
  /** The use case that acts on one message; it must be idempotent on inboundMessageId. */
  handleMessage: (message: InboundSms) => Promise<unknown>;
}

/**
 * Subscribed to the two-way SNS topic. A malformed record is logged and counted but not retried: SNS would only
 * redeliver the same bytes. A failure of the use case is thrown, so SNS retries the delivery.
 */
export function createInboundSmsHandler({ observability, handleMessage }: InboundSmsDependencies) {
  const { logger, metrics } = observability;

  const handle = async (event: SNSEvent): Promise<void> => {
    for (const record of event.Records) {
      const message = parseInboundSms(record.Sns.Message);
      if (!message) {
        // The body may hold a code or a phone number: log where it came from, never what it said.
        logger.warn('malformed inbound SMS ignored', { snsMessageId: record.Sns.MessageId });
        metrics.addMetric('InboundSmsMalformed', MetricUnit.Count, 1);
        continue;
      }
      logger.info('inbound SMS received', { inboundMessageId: message.inboundMessageId });
      metrics.addMetric('InboundSmsReceived', MetricUnit.Count, 1);
      await handleMessage(message);
    }
  };

  return observedHandler<SNSEvent, void>(handle, observability);
}

export interface InboundSmsFailureHandlerDependencies {
  observability: Observability;
  /** The use case that tells the sender; idempotent on inboundMessageId, throws when it should be retried. */
  handleFailure: (failure: GivenUpInboundSms) => Promise<unknown>;
}

/**
 * Consumes the inbound SMS failure queue (an SQS event source on the same function): each record is Lambda's
 * invocation record of an SNS delivery that failed every attempt. Partial batch failures: a record that cannot be
 * parsed or whose apology fails goes back to the queue, and after its maxReceiveCount to the failure queue's DLQ.
 */
export function createInboundSmsFailureHandler({ observability, handleFailure }: InboundSmsFailureHandlerDependencies) {
  const { logger } = observability;
  const processRecord = async (record: SQSRecord, receiveCount: number): Promise<void> => {
    let failure: InboundSmsFailureRecord;
    try {
      failure = parseInboundSmsFailureRecord(record.body);
    } catch (error) {
      logger.error('inbound SMS failure record refused: not a record of a failed inbound SMS', {
        messageId: record.messageId,
        receiveCount,
        issues: error instanceof ValidationError ? error.issues : [],
      });
      throw error;
    }
    for (const message of failure.messages) {
      logger.info('inbound SMS given up', {
        messageId: record.messageId,
        receiveCount,
        inboundMessageId: message.inboundMessageId,
        condition: failure.condition,
        invokeCount: failure.approximateInvokeCount,
      });
      await handleFailure({ message, condition: failure.condition });
    }
  };

  return observedSqsBatchHandler(processRecord, observability);
}

const snsEventShape = z.looseObject({ Records: z.array(z.looseObject({ EventSource: z.literal('aws:sns') })).min(1) });
const sqsEventShape = z.looseObject({ Records: z.array(z.looseObject({ eventSource: z.literal('aws:sqs') })).min(1) });

/**
 * The inbound-sms function gets two kinds of event: the two-way topic's SNS notifications (asynchronous) and batches
 * of its own failure queue (an event source mapping, synchronous, so a failure there never loops back to the failure
 * queue). The event's shape picks the handler; anything else is refused.
 *
 * Why this function and not the directory worker or a new one: the worker sits in the VPC and is the only part that
 * reaches AD, and it must not learn phone numbers and texts; a separate function would need the same adapters, role
 * grants and settings this one already has. The records stay readable for admins: the alarm fires on each arrival,
 * every given-up message is logged by id and audited for its user, and a record that cannot be handled is parked in
 * the failure queue's DLQ.
 */
export function dispatchInboundSmsEvent(handlers: {
  notifications: (event: SNSEvent, context: Context) => Promise<void>;
  failures: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
}) {
  return async (event: unknown, context: Context): Promise<SQSBatchResponse | void> => {
    if (snsEventShape.safeParse(event).success) return handlers.notifications(event as SNSEvent, context);
    if (sqsEventShape.safeParse(event).success) return handlers.failures(event as SQSEvent, context);
    throw new ValidationError(
      'the inbound-sms function accepts SNS notifications and SQS batches of its failure queue only',
    );
  };
}
