import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { LocalBlink } from '../../../local/runtime.js';
import { pollUntil } from '../../support/poll.js';

/** Messages on a queue of the local runtime, waiting, held back (DelaySeconds) or in flight. */
export async function queueDepth(blink: LocalBlink, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await blink.composition.sqsClient.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}

/** Resolves once every job on the queue was handled (a handled job is deleted; a failed one comes back). */
export function jobQueueDrained(blink: LocalBlink, timeoutMs = 60_000): Promise<true> {
  return pollUntil(async () => ((await queueDepth(blink, blink.queue.queueUrl)) === 0 ? true : undefined), {
    timeoutMs,
    description: 'the job queue to drain',
  });
}
