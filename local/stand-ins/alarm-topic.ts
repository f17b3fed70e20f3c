import { CreateTopicCommand, SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';

/** Name of the local stand-in of the alarm topic, and of the queue that receives what is published to it. */
export const LOCAL_ALARM_TOPIC = 'blink-alarms';
export const LOCAL_ALARM_INBOX = 'blink-alarms-inbox';

/**
 * The alarm topic on fauxqs (SNS), with a queue subscribed to it where the operators' email subscription would be
 * deployed: what Blink publishes there can be read back (the console, tests).
 */
export async function createAlarmTopic(
  sns: SNSClient,
  sqs: SQSClient,
): Promise<{ topicArn: string; inboxQueueUrl: string }> {
  const topicArn = z.string().parse((await sns.send(new CreateTopicCommand({ Name: LOCAL_ALARM_TOPIC }))).TopicArn);
  const inboxQueueUrl = z
    .string()
    .parse((await sqs.send(new CreateQueueCommand({ QueueName: LOCAL_ALARM_INBOX }))).QueueUrl);
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: inboxQueueUrl, AttributeNames: ['QueueArn'] }),
  );
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: z.string().parse(attributes.Attributes?.QueueArn),
      Attributes: { RawMessageDelivery: 'false' },
    }),
  );
  return { topicArn, inboxQueueUrl };
}
