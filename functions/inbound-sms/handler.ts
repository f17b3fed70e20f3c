import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SNSEvent } from 'aws-lambda';
import type { Observability } from '../../shared/observability/powertools.js';
import { inboundSmsSchema, type InboundSms } from '../../shared/domain/inbound-sms.js';

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

  return middy<SNSEvent, void>(handle)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}

export function parseInboundSms(raw: string): InboundSms | undefined {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const result = inboundSmsSchema.safeParse(json);
  return result.success ? result.data : undefined;
}
