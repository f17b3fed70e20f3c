import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import type { Observability } from '../../shared/observability/powertools.js';
import { observedSqsBatchHandler } from '../../shared/observability/handler-chain.js';
import { queuedWebPushSchema } from '../../shared/domain/web-push.js';
import { parseJsonText, zodIssuePaths } from '../../shared/validation/parse-json.js';
import type { QueuedWebPushDelivery, QueuedWebPushOutcome } from '../../shared/use-cases/web-push/index.js';

export interface WebPushSenderDependencies {
  observability: Observability;
  deliver: QueuedWebPushDelivery;
}

const METRIC_OF: Record<QueuedWebPushOutcome, string> = {
  sent: 'WebPushSent',
  gone: 'WebPushGone',
  skipped: 'WebPushSkipped',
  refused: 'WebPushRefused',
};

/**
 * The web-push sender, outside the VPC: consumes the web-push queue with partial batch failures. A record that is not
 * a queued push is logged and dropped (a retry cannot fix it); a transient failure fails the record alone, so SQS
 * delivers it again and, after maxReceiveCount, moves it to the dead-letter queue (alarmed).
 */
export function createWebPushSenderHandler({ observability, deliver }: WebPushSenderDependencies) {
  const { logger, metrics } = observability;
  const processRecord = async (record: SQSRecord, receiveCount: number): Promise<void> => {
    let push;
    try {
      const parsed = queuedWebPushSchema.safeParse(parseJsonText(record.body, 'queued web push'));
      if (!parsed.success) throw new Error(zodIssuePaths(parsed.error).join(', '));
      push = parsed.data;
    } catch (error) {
      metrics.addMetric('WebPushInvalid', MetricUnit.Count, 1);
      // Paths only: the body holds a capability URL.
      logger.error('queued web push dropped: not a valid message', {
        messageId: record.messageId,
        issues: error instanceof Error ? error.message : 'unreadable',
      });
      return;
    }
    try {
      const outcome = await deliver(push);
      metrics.addMetric(METRIC_OF[outcome], MetricUnit.Count, 1);
    } catch (error) {
      metrics.addMetric('WebPushFailed', MetricUnit.Count, 1);
      logger.warn('web push failed, left for a retry', {
        messageId: record.messageId,
        deviceId: push.deviceId,
        receiveCount,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      throw error;
    }
  };
  return observedSqsBatchHandler(processRecord, observability);
}
