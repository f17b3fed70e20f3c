import 'aws-cdk-lib/testhelpers/jest-autoclean';
import { ConfigurationError } from '../../infra/config.js';
import { FUNCTION_TIMEOUT_SECONDS } from '../../shared/composition/timeouts.js';
import {
  actionsOf,
  blinkFunctions,
  buildTestApp,
  envOf,
  functionEnvOf,
  resourcesOfType,
  statementsOf as policyStatementsOf,
  templatesOf,
  type Resource,
} from './build.js';

// Issue 11: the VAPID key pair of Web Push lives in a secret of BlinkData, encrypted with the secrets key; the api
// function (serves the public key) and the web-push sender (signs the pushes, outside the VPC) may read it, nothing
// else. The directory worker only queues its pushes (docs/design/web-push-egress.md).

type Statement = { Action: string | string[]; Resource: unknown };
const statementsOf = (policy: Resource) => (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement;
const importsVapidSecret = (value: unknown) => JSON.stringify(value).includes('VapidSecret');

describe('the VAPID secret', () => {
  const t = templatesOf(buildTestApp());

  it('is a KMS-encrypted secret of the data stack, with the command that stores a key pair as an output', () => {
    const secrets = resourcesOfType([t.data], 'AWS::SecretsManager::Secret').filter(([id]) =>
      id.startsWith('VapidSecret'),
    );
    expect(secrets).toHaveLength(1);
    expect(secrets[0]?.[1].Properties?.KmsKeyId).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^SecretsKey/), 'Arn'],
    });
    const command = JSON.stringify(t.data.findOutputs('VapidSecretSetCommand'));
    expect(command).toContain(
      'npx web-push generate-vapid-keys --json | aws secretsmanager put-secret-value --secret-id ',
    );
    expect(command).toContain('VapidSecret');
  });

  it('is read (GetSecretValue only) by the api function and the web-push sender, and by no other function', () => {
    const readers = resourcesOfType(t.all, 'AWS::IAM::Policy')
      .filter(([, policy]) => statementsOf(policy).some((statement) => importsVapidSecret(statement.Resource)))
      .map(([id, policy]) => ({
        id,
        actions: statementsOf(policy)
          .filter((statement) => importsVapidSecret(statement.Resource))
          .map((statement) => statement.Action),
      }));
    expect(readers.map(({ id }) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'ApiFunctionRoleDefaultPolicy',
      'WebPushSenderRoleDefaultPolicy',
    ]);
    for (const { actions } of readers) expect(actions).toEqual(['secretsmanager:GetSecretValue']);

    const functions = blinkFunctions(t.all);
    for (const [service, [, resource]] of functions) {
      const hasArn = 'VAPID_SECRET_ARN' in envOf(resource);
      expect({ service, hasArn }).toEqual({
        service,
        hasArn: service === 'blink-api' || service === 'blink-web-push-sender',
      });
    }
  });

  it('takes its push service hosts and VAPID contact from the context, for the api function and the sender only', () => {
    const configured = templatesOf(
      buildTestApp({
        webPushHosts: 'push.corp.example.com,*.push.apple.com',
        webPushSubject: 'mailto:it@corp.example.com',
      }),
    );
    for (const service of ['blink-api', 'blink-web-push-sender']) {
      expect(functionEnvOf(configured, service)).toMatchObject({
        WEB_PUSH_HOSTS: 'push.corp.example.com,*.push.apple.com',
        WEB_PUSH_SUBJECT: 'mailto:it@corp.example.com',
      });
    }
    expect(functionEnvOf(configured, 'blink-inbound-sms')).not.toHaveProperty('WEB_PUSH_HOSTS');
    expect(functionEnvOf(configured, 'blink-directory-worker')).not.toHaveProperty('WEB_PUSH_HOSTS');
    expect(() => buildTestApp({ webPushHosts: 'http://evil.test/x' })).toThrow(ConfigurationError);
    expect(() => buildTestApp({ webPushSubject: 'blink@corp.example.com' })).toThrow(ConfigurationError);
  });
});

describe('Web Push from outside the VPC', () => {
  const t = templatesOf(buildTestApp());
  const queues = resourcesOfType([t.messaging], 'AWS::SQS::Queue');
  const queue = (prefix: string) => queues.find(([id]) => id.startsWith(prefix))?.[1];
  const refersTo = (value: unknown, prefix: string) => JSON.stringify(value).includes(prefix);

  it('queues through a KMS-encrypted queue whose DLQ takes a push after five receives and raises the alarm', () => {
    const main = queue('WebPushQueue');
    const dlq = queue('WebPushDeadLetterQueue');
    expect(main?.Properties).toMatchObject({
      KmsMasterKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^QueueKey/), 'Arn'] },
      VisibilityTimeout: FUNCTION_TIMEOUT_SECONDS['web-push-sender'] * 6,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [expect.stringMatching(/^WebPushDeadLetterQueue/), 'Arn'] },
        maxReceiveCount: 5,
      },
    });
    expect(dlq?.Properties).toMatchObject({
      KmsMasterKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^QueueKey/), 'Arn'] },
    });
    // enforceSSL: both queues deny requests without TLS.
    const policies = resourcesOfType([t.messaging], 'AWS::SQS::QueuePolicy').map(([, policy]) =>
      JSON.stringify(policy),
    );
    for (const prefix of ['WebPushQueue', 'WebPushDeadLetterQueue']) {
      expect(policies.some((policy) => policy.includes(prefix) && policy.includes('aws:SecureTransport'))).toBe(true);
    }
    const [alarm] = resourcesOfType([t.messaging], 'AWS::CloudWatch::Alarm').filter(([id]) =>
      id.startsWith('WebPushDeadLetterAlarm'),
    );
    expect(alarm?.[1].Properties).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(refersTo(alarm?.[1].Properties?.Dimensions, 'WebPushDeadLetterQueue')).toBe(true);
    expect(refersTo(alarm?.[1].Properties?.AlarmActions, 'AlarmTopic')).toBe(true);
  });

  it('runs the sender outside the VPC, consuming the web-push queue', () => {
    const [, sender] = blinkFunctions(t.all).get('blink-web-push-sender') ?? [];
    expect(sender?.Properties).toBeDefined();
    expect(sender?.Properties).not.toHaveProperty('VpcConfig');
    expect(sender?.Properties?.Timeout).toBe(FUNCTION_TIMEOUT_SECONDS['web-push-sender']);
    const mappings = resourcesOfType([t.directory], 'AWS::Lambda::EventSourceMapping').filter(([, mapping]) =>
      refersTo(mapping.Properties?.EventSourceArn, 'WebPushQueue'),
    );
    expect(mappings).toHaveLength(1);
    expect(mappings[0]?.[1].Properties).toMatchObject({
      FunctionName: { Ref: expect.stringMatching(/^WebPushSender/) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const [, worker] = blinkFunctions(t.all).get('blink-directory-worker') ?? [];
    expect(worker?.Properties).toHaveProperty('VpcConfig');
  });

  it('lets the worker send to the web-push queue only, and never receive from it', () => {
    const worker = policyStatementsOf([t.directory], 'DirectoryWorkerRoleDefaultPolicy');
    const touchingWebPush = worker.filter((statement) => refersTo(statement.Resource, 'WebPushQueue'));
    expect(touchingWebPush.flatMap(actionsOf)).toEqual(['sqs:SendMessage']);
    expect(worker.some((statement) => refersTo(statement.Resource, 'WebPushDeadLetterQueue'))).toBe(false);
    const [, resource] = blinkFunctions(t.all).get('blink-directory-worker') ?? [];
    expect(refersTo(envOf(resource!).WEB_PUSH_QUEUE_URL, 'WebPushQueue')).toBe(true);
    // Nobody else may put pushes on it (with the portal on, the admin function too: test/infra/portal.test.ts).
    const senders = resourcesOfType(t.all, 'AWS::IAM::Policy')
      .filter(([, policy]) =>
        (
          policy.Properties?.PolicyDocument as { Statement: Array<{ Action: string | string[]; Resource: unknown }> }
        ).Statement.some(
          (statement) =>
            [statement.Action].flat().includes('sqs:SendMessage') && refersTo(statement.Resource, 'WebPushQueue'),
        ),
      )
      .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''));
    expect(senders).toEqual(['DirectoryWorkerRoleDefaultPolicy']);
  });
});
