import 'aws-cdk-lib/testhelpers/jest-autoclean';
import { Match } from 'aws-cdk-lib/assertions';
import { INBOUND_SMS_FAILURE_MAX_RECEIVES } from '../../infra/stacks/messaging-stack.js';
import { expectProperties, functionOf, type Resource, resourcesOfType, synthesizedForSuite, theOnly } from './build.js';

// "Nothing lost, user told" for inbound SMS: the inbound-sms function reads its own failure queue, the alarm fires on
// every arrival (the consumer empties the queue), and records it cannot handle are parked in an alarmed DLQ.

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

const statementsOf = (policies: [string, Resource][]): Statement[] =>
  policies.flatMap(([, policy]) => (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
const actionsOf = (statement: Statement) => [statement.Action].flat();

describe('inbound SMS failures', () => {
  const t = synthesizedForSuite();

  const queueId = (prefix: string) => {
    const ids = Object.keys(t.messaging.findResources('AWS::SQS::Queue')).filter((id) => id.startsWith(prefix));
    expect(ids).toHaveLength(1);
    return ids[0] as string;
  };

  it('are read by the inbound-sms function through an event source with partial batch failures', () => {
    expectProperties(t.api, 'AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: Match.stringLikeRegexp('^InboundSmsFunction[0-9A-F]') },
      EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp('InboundSmsFailureQueue[0-9A-F]+Arn') },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    // The directory worker (in the VPC, the only part that reaches AD) never sees these records.
    const mappings = resourcesOfType(t.all, 'AWS::Lambda::EventSourceMapping');
    const onFailureQueue = mappings.filter(([, mapping]) =>
      JSON.stringify(mapping.Properties?.EventSourceArn).includes('InboundSmsFailureQueue'),
    );
    expect(onFailureQueue).toHaveLength(1);
    expect(JSON.stringify(onFailureQueue[0]?.[1].Properties?.FunctionName)).toMatch(/InboundSmsFunction/);
  });

  it('give the inbound-sms function receive/delete on that queue only, and decrypt through SQS only', () => {
    const statements = statementsOf(
      resourcesOfType([t.api], 'AWS::IAM::Policy').filter(([id]) => id.startsWith('InboundSmsFunctionRole')),
    );
    const consume = statements.filter((statement) => actionsOf(statement).includes('sqs:ReceiveMessage'));
    expect(consume).toEqual([
      {
        Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        Effect: 'Allow',
        Resource: { 'Fn::ImportValue': expect.stringMatching(/InboundSmsFailureQueue[0-9A-F]+Arn/) },
      },
    ]);
    const decryptViaSqs = statements.filter(
      (statement) =>
        actionsOf(statement).join() === 'kms:Decrypt' && JSON.stringify(statement.Condition ?? {}).includes('"sqs."'),
    );
    expect(decryptViaSqs).toHaveLength(1);
    // Nobody else may consume it, and the mapping is created after the grant it is checked against.
    for (const [id, policy] of resourcesOfType(t.all, 'AWS::IAM::Policy')) {
      if (id.startsWith('InboundSmsFunctionRole')) continue;
      const others = statementsOf([[id, policy]]).filter((statement) =>
        actionsOf(statement).some((action) => /^sqs:(ReceiveMessage|DeleteMessage|\*)$/.test(action)),
      );
      for (const statement of others) expect(JSON.stringify(statement.Resource)).not.toMatch(/InboundSmsFailure/);
    }
    const [, mapping] =
      resourcesOfType([t.api], 'AWS::Lambda::EventSourceMapping').find(([, resource]) =>
        JSON.stringify(resource.Properties).includes('InboundSmsFailureQueue'),
      ) ?? [];
    expect(JSON.stringify((mapping as { DependsOn?: string[] } | undefined)?.DependsOn ?? [])).toMatch(
      /InboundSmsFunctionRoleDefaultPolicy/,
    );
  });

  it('raise an alarm when a record arrives, however quickly the consumer empties the queue', () => {
    expectProperties(t.messaging, 'AWS::CloudWatch::Alarm', {
      MetricName: 'NumberOfMessagesSent',
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId('InboundSmsFailureQueue'), 'QueueName'] } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
    });
    // No depth alarm on the consumed queue any more: it would miss records handled within a minute.
    const depthAlarms = resourcesOfType([t.messaging], 'AWS::CloudWatch::Alarm').filter(
      ([, alarm]) =>
        alarm.Properties?.MetricName === 'ApproximateNumberOfMessagesVisible' &&
        JSON.stringify(alarm.Properties.Dimensions).includes(queueId('InboundSmsFailureQueue')),
    );
    expect(depthAlarms).toEqual([]);
  });

  it('park records that keep failing in an encrypted DLQ with a depth alarm, after a few receives', () => {
    const dlq = queueId('InboundSmsFailureDeadLetterQueue');
    const failures = theOnly([t.messaging], 'AWS::SQS::Queue', 'InboundSmsFailureQueue');
    expect(failures.Properties).toMatchObject({
      KmsMasterKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^QueueKey/), 'Arn'] },
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] },
        maxReceiveCount: INBOUND_SMS_FAILURE_MAX_RECEIVES,
      },
      MessageRetentionPeriod: 14 * 86_400,
    });
    expect(INBOUND_SMS_FAILURE_MAX_RECEIVES).toBeGreaterThanOrEqual(2);
    expect(theOnly([t.messaging], 'AWS::SQS::Queue', 'InboundSmsFailureDeadLetterQueue').Properties).toMatchObject({
      KmsMasterKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^QueueKey/), 'Arn'] },
      MessageRetentionPeriod: 14 * 86_400,
    });
    expectProperties(t.messaging, 'AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
    });
  });

  it("hide a record for at least six times the consumer's timeout while it is handled", () => {
    const timeout = functionOf(t, 'blink-inbound-sms').Properties?.Timeout as number;
    expect(timeout).toBeGreaterThan(0);
    expect(
      theOnly([t.messaging], 'AWS::SQS::Queue', 'InboundSmsFailureQueue').Properties?.VisibilityTimeout,
    ).toBeGreaterThanOrEqual(6 * timeout);
  });
});
