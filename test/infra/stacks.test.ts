import 'aws-cdk-lib/testhelpers/jest-autoclean';
import { Match } from 'aws-cdk-lib/assertions';
import { directoryJobSchema } from '../../shared/domain/directory-job.js';
import {
  blinkFunctions,
  buildTestApp,
  envOf,
  expectCount,
  expectOutput,
  expectProperties,
  expectResource,
  functionEnvOf,
  functionOf,
  resourcesOfType,
  synthesizedForSuite,
  templatesOf,
  theOnly,
} from './build.js';

const PHONE_ID = 'phone-0123456789abcdef0123456789abcdef';

describe('Blink infrastructure with the default (demo) configuration', () => {
  const t = synthesizedForSuite();

  describe('data', () => {
    it('keeps one table with pk/sk, a customer-managed key, PITR, TTL, on-demand billing and the phone index', () => {
      expectProperties(t.data, 'AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        GlobalSecondaryIndexes: [
          Match.objectLike({
            IndexName: 'gsi1',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
          }),
        ],
      });
      expectResource(t.data, 'AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    });

    it('encrypts the table with a rotating key of its own (not the AWS-owned key)', () => {
      const table = theOnly([t.data], 'AWS::DynamoDB::Table');
      const keyRef = JSON.stringify((table.Properties?.SSESpecification as { KMSMasterKeyId: unknown }).KMSMasterKeyId);
      const keyId = /"(TableKey[0-9A-F]+)"/.exec(keyRef)?.[1];
      expect(keyId).toBeDefined();
      expect(t.data.toJSON().Resources[keyId as string]).toMatchObject({
        Type: 'AWS::KMS::Key',
        Properties: { EnableKeyRotation: true },
      });
    });

    it('rotates every customer-managed key', () => {
      const keys = resourcesOfType(t.all, 'AWS::KMS::Key');
      expect(keys.length).toBeGreaterThanOrEqual(4);
      for (const [, key] of keys) expect(key.Properties).toMatchObject({ EnableKeyRotation: true });
    });
  });

  describe('job queue', () => {
    it('is KMS-encrypted with a customer key and dead-letters after 5 receives', () => {
      const dlqId =
        t.messaging.toJSON().Resources &&
        Object.keys(t.messaging.findResources('AWS::SQS::Queue')).find((id) => id.startsWith('JobDeadLetterQueue'));
      expect(dlqId).toBeDefined();
      expectProperties(t.messaging, 'AWS::SQS::Queue', {
        KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^QueueKey'), 'Arn'] },
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
      });
      for (const [, queue] of resourcesOfType([t.messaging], 'AWS::SQS::Queue')) {
        expect(queue.Properties).toMatchObject({ KmsMasterKeyId: expect.anything() });
      }
    });

    it('has a visibility timeout of at least six times the worker timeout', () => {
      const workerTimeout = functionOf(t, 'blink-directory-worker').Properties?.Timeout as number;
      const [, jobQueue] =
        resourcesOfType([t.messaging], 'AWS::SQS::Queue').find(([id]) => id.startsWith('JobQueue')) ?? [];
      expect(workerTimeout).toBeGreaterThan(0);
      expect(jobQueue?.Properties?.VisibilityTimeout).toBeGreaterThanOrEqual(6 * workerTimeout);
    });

    it('refuses non-TLS requests on every queue (enforceSSL)', () => {
      const queues = Object.keys(t.messaging.findResources('AWS::SQS::Queue'));
      expect(queues).toHaveLength(6);
      for (const queue of queues) {
        expectProperties(t.messaging, 'AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: queue }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: 'Deny',
                Action: 'sqs:*',
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              }),
            ]),
          },
        });
      }
    });

    it('alarms to the alarm topic as soon as one message sits in the DLQ', () => {
      expectProperties(t.messaging, 'AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Dimensions: [
          { Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^JobDeadLetterQueue'), 'QueueName'] } },
        ],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
      });
    });

    it('alarms on directory worker errors', () => {
      expectProperties(t.directory, 'AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^DirectoryWorker') } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [Match.anyValue()],
      });
    });

    it('alarms on errors of the api, inbound-sms and admin functions, and on 5xx answers of the public API', () => {
      const lambdaErrorAlarm = (functionLogicalId: RegExp) => ({
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp(functionLogicalId.source) } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [Match.anyValue()],
      });
      expectProperties(t.api, 'AWS::CloudWatch::Alarm', lambdaErrorAlarm(/^ApiFunction[0-9A-F]/));
      expectProperties(t.api, 'AWS::CloudWatch::Alarm', lambdaErrorAlarm(/^InboundSmsFunction[0-9A-F]/));
      expectProperties(t.admin, 'AWS::CloudWatch::Alarm', lambdaErrorAlarm(/^AdminFunction[0-9A-F]/));
      expectProperties(t.api, 'AWS::CloudWatch::Alarm', {
        MetricName: '5XXError',
        Namespace: 'AWS/ApiGateway',
        Dimensions: Match.arrayWith([{ Name: 'ApiName', Value: 'blink-public' }]),
        Threshold: 1,
        AlarmActions: [Match.anyValue()],
      });
    });

    it('is consumed by the worker in batches of 10 with partial batch failures', () => {
      expectProperties(t.directory, 'AWS::Lambda::EventSourceMapping', {
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        FunctionName: { Ref: Match.stringLikeRegexp('^DirectoryWorker') },
      });
    });
  });

  describe('lockout scan schedule', () => {
    it('queues a lockout-scan job every 5 minutes through an input transformer', () => {
      expectProperties(t.messaging, 'AWS::Events::Rule', {
        ScheduleExpression: 'rate(5 minutes)',
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^JobQueue'), 'Arn'] },
            InputTransformer: {
              InputPathsMap: { id: '$.id', time: '$.time' },
              InputTemplate: '{"kind":"lockout-scan","jobId":<id>,"requestedAt":<time>}',
            },
          }),
        ],
      });
    });

    it('produces a message the directory worker accepts', () => {
      const rule = theOnly([t.messaging], 'AWS::Events::Rule');
      const targets = rule.Properties?.Targets as { InputTransformer: { InputTemplate: string } }[];
      const template = targets[0]?.InputTransformer.InputTemplate ?? '';
      // EventBridge substitutes string values with their JSON (quoted) form.
      const message = template
        .replace('<id>', JSON.stringify('6a7e8c5b-1d2f-4e3a-9b8c-7d6e5f4a3b2c'))
        .replace('<time>', JSON.stringify('2026-11-26T23:15:00Z'));
      expect(directoryJobSchema.parse(JSON.parse(message))).toMatchObject({ kind: 'lockout-scan' });
    });
  });

  describe('inbound SMS', () => {
    it('lets only End User Messaging SMS of this account publish to the topic, for its phone numbers', () => {
      const policy = theOnly([t.messaging], 'AWS::SNS::TopicPolicy', 'InboundSmsTopic');
      const document = policy.Properties?.PolicyDocument as { Statement: { Effect: string }[] };
      const allows = document.Statement.filter((statement) => statement.Effect === 'Allow');
      expect(allows).toEqual([
        expect.objectContaining({
          Action: 'sns:Publish',
          Principal: { Service: 'sms-voice.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnLike: {
              'aws:SourceArn': {
                'Fn::Join': [
                  '',
                  [
                    'arn:',
                    { Ref: 'AWS::Partition' },
                    ':sms-voice:',
                    { Ref: 'AWS::Region' },
                    ':',
                    { Ref: 'AWS::AccountId' },
                    ':phone-number/*',
                  ],
                ],
              },
            },
          },
        }),
      ]);
    });

    it("denies publishing to every other principal, this account's own users and roles included", () => {
      const policy = theOnly([t.messaging], 'AWS::SNS::TopicPolicy', 'InboundSmsTopic');
      const document = policy.Properties?.PolicyDocument as {
        Statement: { Effect: string; Action: unknown; Sid?: string }[];
      };
      const publishDenies = document.Statement.filter(
        (statement) =>
          statement.Effect === 'Deny' &&
          statement.Action === 'sns:Publish' &&
          statement.Sid !== 'AllowPublishThroughSSLOnly',
      );
      expect(publishDenies).toEqual([
        expect.objectContaining({
          Principal: { AWS: '*' },
          Resource: { Ref: expect.stringMatching(/^InboundSmsTopic/) },
          Condition: { StringNotEquals: { 'aws:PrincipalServiceName': 'sms-voice.amazonaws.com' } },
        }),
      ]);
    });

    it('is a standard topic encrypted with a key End User Messaging may use', () => {
      expectProperties(t.messaging, 'AWS::SNS::Topic', {
        DisplayName: 'Blink inbound SMS',
        KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InboundSmsKey'), 'Arn'] },
        FifoTopic: Match.absent(),
      });
      expectProperties(t.messaging, 'AWS::KMS::Key', {
        Description: Match.stringLikeRegexp('inbound SMS'),
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: 'sms-voice.amazonaws.com' },
              Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
            }),
          ]),
        },
      });
    });

    it('is subscribed by the inbound-sms function, whose failures are parked in a queue', () => {
      expectProperties(t.api, 'AWS::SNS::Subscription', {
        Protocol: 'lambda',
        Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InboundSmsFunction'), 'Arn'] },
      });
      expectProperties(t.api, 'AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: Match.stringLikeRegexp('^InboundSmsFunction') },
        DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      });
    });

    it('documents the two-way command when no phone number is configured', () => {
      expectOutput(t.messaging, 'TwoWaySmsCommand', {
        Value: {
          'Fn::Join': [
            '',
            Match.arrayWith([
              Match.stringLikeRegexp(
                'update-phone-number --phone-number-id <phone-number-id> --two-way-enabled --two-way-channel-arn',
              ),
            ]),
          ],
        },
      });
    });
  });

  describe('public API', () => {
    it('has access logs, tracing, throttling and error logging on the stage', () => {
      expectProperties(t.api, 'AWS::ApiGateway::Stage', {
        TracingEnabled: true,
        AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('resourcePath') },
        MethodSettings: [
          Match.objectLike({
            LoggingLevel: 'ERROR',
            DataTraceEnabled: false,
            ThrottlingRateLimit: 50,
            ThrottlingBurstLimit: 100,
          }),
        ],
      });
    });

    it('never puts the concrete path or query string in the access log', () => {
      const stage = theOnly([t.api], 'AWS::ApiGateway::Stage');
      const format = (stage.Properties?.AccessLogSetting as { Format: string }).Format;
      expect(format).not.toMatch(/\$context\.path|querystring|\$input/i);
    });

    it('validates requests on every method', () => {
      const methods = resourcesOfType([t.api], 'AWS::ApiGateway::Method');
      // The function's two proxy methods and the app files' three GETs.
      expect(methods).toHaveLength(5);
      for (const [, method] of methods)
        expect(method.Properties).toMatchObject({ RequestValidatorId: expect.anything() });
      expectProperties(t.api, 'AWS::ApiGateway::RequestValidator', {
        ValidateRequestBody: true,
        ValidateRequestParameters: true,
      });
    });

    it('sits behind a WAF web ACL with a per-IP rate-based rule, associated with the stage', () => {
      expectProperties(t.api, 'AWS::WAFv2::WebACL', {
        Scope: 'REGIONAL',
        Rules: Match.arrayWith([
          Match.objectLike({
            Action: { Block: {} },
            Statement: { RateBasedStatement: { Limit: 300, AggregateKeyType: 'IP', EvaluationWindowSec: 300 } },
          }),
        ]),
      });
      const association = theOnly([t.api], 'AWS::WAFv2::WebACLAssociation');
      expect(JSON.stringify(association.Properties?.ResourceArn)).toMatch(/PublicApiDeploymentStagev1/);
      expect(association.Properties?.WebACLArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^WebAcl/), 'Arn'] });
    });

    it('logs WAF decisions with paths, query strings and the authorization header redacted', () => {
      expectProperties(t.api, 'AWS::WAFv2::LoggingConfiguration', {
        ResourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebAcl'), 'Arn'] },
        LogDestinationConfigs: [
          { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':log-group:aws-waf-logs-BlinkApi$')])] },
        ],
        RedactedFields: [{ UriPath: {} }, { QueryString: {} }, { SingleHeader: { Name: 'authorization' } }],
      });
      expectProperties(t.api, 'AWS::Logs::LogGroup', { LogGroupName: 'aws-waf-logs-BlinkApi', RetentionInDays: 90 });
    });

    it('gives the API function what its env schema needs', () => {
      const api = functionOf(t, 'blink-api');
      expect(Object.keys(envOf(api)).sort()).toEqual(
        expect.arrayContaining([
          'BLINK_VERSION',
          'EMAIL_FROM',
          'JOB_QUEUE_URL',
          'POWERTOOLS_SERVICE_NAME',
          'PUBLIC_BASE_URL',
          'SES_CONFIGURATION_SET',
          'SMS_CONFIGURATION_SET',
          'SMS_INBOUND_NUMBERS',
          'SMS_ORIGINATION_IDENTITIES',
          'TABLE_NAME',
          'TOKEN_HMAC_SECRET_ARN',
        ]),
      );
      expect(envOf(api)).toMatchObject({
        SMS_ORIGINATION_IDENTITIES: '+18553917277,+14437477277',
        SMS_INBOUND_NUMBERS: '+18553917277,+14437477277',
        EMAIL_FROM: 'blink@example.com',
      });
      expect(envOf(api)).not.toHaveProperty('DIRECTORY_BIND_SECRET_ARN');
    });
  });

  describe('functions', () => {
    it('are the five Blink functions, each on Node.js 24, arm64, traced, with a log group that expires', () => {
      const functions = blinkFunctions(t.all);
      expect([...functions.keys()].sort()).toEqual([
        'blink-admin-api',
        'blink-api',
        'blink-directory-worker',
        'blink-inbound-sms',
        'blink-web-push-sender',
      ]);
      const logGroups = Object.fromEntries(resourcesOfType(t.all, 'AWS::Logs::LogGroup'));
      for (const [, fn] of functions.values()) {
        expect(fn.Properties).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
        });
        const logGroupId = (fn.Properties?.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
        expect(logGroups[logGroupId]?.Properties).toMatchObject({ RetentionInDays: 90 });
      }
    });

    it('keep what every function answers out of traces (Powertools would record them as metadata)', () => {
      for (const [, fn] of blinkFunctions(t.all).values()) {
        expect(envOf(fn).POWERTOOLS_TRACER_CAPTURE_RESPONSE).toBe('false');
      }
    });

    it('use no AWS managed policies and never Scan the table', () => {
      for (const [, role] of resourcesOfType(t.all, 'AWS::IAM::Role').filter(([id]) => /Function|Worker/.test(id))) {
        expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
      }
      const policies = JSON.stringify(resourcesOfType(t.all, 'AWS::IAM::Policy'));
      expect(policies).not.toMatch(/dynamodb:Scan|dynamodb:\*|"sqs:\*"|kms:ReEncrypt\*|"kms:\*"/);
    });

    it('scopes SMS sending to phone numbers of this account when identities are E.164 numbers', () => {
      const policies = resourcesOfType(t.all, 'AWS::IAM::Policy').filter(([id]) =>
        /ApiFunction|InboundSms|DirectoryWorker/.test(id),
      );
      expect(policies).toHaveLength(3);
      for (const [, policy] of policies) {
        expect(JSON.stringify(policy)).toMatch(/sms-voice:SendTextMessage/);
        expect(JSON.stringify(policy)).toMatch(/:phone-number\/\*/);
      }
    });
  });

  describe('directory worker', () => {
    it('runs in the VPC with a security group of its own', () => {
      const worker = functionOf(t, 'blink-directory-worker');
      expect(worker?.Properties?.VpcConfig).toEqual({
        SecurityGroupIds: [{ 'Fn::GetAtt': [expect.stringMatching(/^WorkerSecurityGroup/), 'GroupId'] }],
        SubnetIds: expect.arrayContaining([expect.anything()]),
      });
      // Without these the deployment fails: the role is ours, so CDK does not attach AWSLambdaVPCAccessExecutionRole.
      expectProperties(t.directory, 'AWS::IAM::Policy', {
        Roles: [{ Ref: Match.stringLikeRegexp('^DirectoryWorkerRole') }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: Match.arrayWith([
                'ec2:CreateNetworkInterface',
                'ec2:DescribeNetworkInterfaces',
                'ec2:DeleteNetworkInterface',
              ]),
            }),
          ]),
        },
      });
      expectCount(t.directory, 'AWS::EC2::VPC', 1);
      expectCount(t.directory, 'AWS::EC2::FlowLog', 1);
      expectCount(t.directory, 'AWS::EC2::NatGateway', 0);
    });

    it('reaches AWS from the demo VPC through endpoints open to the worker only', () => {
      const endpoints = resourcesOfType([t.directory], 'AWS::EC2::VPCEndpoint').map(
        ([, endpoint]) => endpoint.Properties ?? {},
      );
      expect(endpoints.map((endpoint) => endpoint.VpcEndpointType).sort()).toEqual([
        'Gateway',
        'Interface',
        'Interface',
        'Interface',
        'Interface',
        'Interface',
      ]);
      const names = JSON.stringify(endpoints.map((endpoint) => endpoint.ServiceName));
      for (const service of ['dynamodb', 'secretsmanager', 'pinpoint-sms-voice-v2', 'email', 'sns', 'sqs'])
        expect(names).toContain(`.${service}`);
      expectProperties(t.directory, 'AWS::EC2::SecurityGroupIngress', {
        GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EndpointSecurityGroup'), 'GroupId'] },
        SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WorkerSecurityGroup'), 'GroupId'] },
        FromPort: 443,
        ToPort: 443,
      });
      expect(resourcesOfType([t.directory], 'AWS::EC2::SecurityGroupIngress')).toHaveLength(1);
    });

    it('may reach only the DC LDAPS port and HTTPS', () => {
      const group = theOnly([t.directory], 'AWS::EC2::SecurityGroup', 'WorkerSecurityGroup');
      const inline = group.Properties?.SecurityGroupEgress as Record<string, unknown>[];
      const separate = resourcesOfType([t.directory], 'AWS::EC2::SecurityGroupEgress').map(
        ([, rule]) => rule.Properties ?? {},
      );
      const rules = [...inline, ...separate];
      expect(rules.length).toBeGreaterThan(0);
      for (const rule of rules) {
        expect(rule.IpProtocol).toBe('tcp');
        expect(rule.FromPort).toBe(rule.ToPort);
        expect([636, 443]).toContain(rule.FromPort);
      }
      const ldapRules = rules.filter((rule) => rule.FromPort !== 443);
      expect(ldapRules.map((rule) => rule.CidrIp)).toEqual(['10.20.0.0/24']);
      expect(inline).toContainEqual(expect.objectContaining({ CidrIp: '10.20.0.0/24', FromPort: 636 }));
    });

    it('alone can read the directory bind secret', () => {
      const mentions = [...resourcesOfType(t.all, 'AWS::IAM::Policy'), ...resourcesOfType(t.all, 'AWS::IAM::Role')]
        .filter(([, resource]) => JSON.stringify(resource).includes('DirectoryBindSecret'))
        .map(([id]) => id);
      expect(mentions).toEqual([expect.stringMatching(/^DirectoryWorkerRoleDefaultPolicy/)]);
      const holders = [...blinkFunctions(t.all).entries()].filter(
        ([, [, fn]]) => 'DIRECTORY_BIND_SECRET_ARN' in envOf(fn),
      );
      expect(holders.map(([name]) => name)).toEqual(['blink-directory-worker']);
    });

    it('gets the directory settings and the CA path inside the bundle', () => {
      expect(functionEnvOf(t, 'blink-directory-worker')).toMatchObject({
        LDAP_URLS: 'ldaps://dc1.corp.example.com:636',
        LDAP_BASE_DN: 'DC=corp,DC=example,DC=com',
        LDAP_STARTTLS: 'false',
        LDAP_PASSWORD_POLICY_HINTS: 'false',
        LDAP_CA_FILE: '/var/task/ldap-ca.pem',
        LOCKOUT_SCAN_PAGE_SIZE: '500',
        LOCKOUT_SCAN_TIME_BUDGET_MS: '20000',
        TABLE_NAME: expect.anything(),
        TOKEN_HMAC_SECRET_ARN: expect.anything(),
        DIRECTORY_BIND_SECRET_ARN: expect.anything(),
        EMAIL_FROM: 'blink@example.com',
        SMS_ORIGINATION_IDENTITIES: expect.any(String),
      });
    });
  });
});

describe('Blink infrastructure with custom configuration', () => {
  it('imports an existing VPC and narrows HTTPS to the given prefix lists', () => {
    const t = templatesOf(
      buildTestApp({
        vpcId: 'vpc-0123456789abcdef0',
        subnetIds: 'subnet-0123456789abcdef0,subnet-0fedcba9876543210,subnet-0aaaabbbbccccdddd',
        awsApiPrefixListIds: 'pl-02cd2c6b',
        ldapPeerCidrs: '10.1.0.0/24,10.2.0.0/24',
        ldapPorts: '636,3269',
        ldapUrls: 'ldaps://dc1.corp.example.com,ldaps://gc.corp.example.com:3269',
      }),
    );
    expectCount(t.directory, 'AWS::EC2::VPC', 0);
    expectCount(t.directory, 'AWS::EC2::VPCEndpoint', 0);
    const worker = functionOf(t, 'blink-directory-worker');
    expect((worker?.Properties?.VpcConfig as { SubnetIds: string[] }).SubnetIds).toEqual([
      'subnet-0123456789abcdef0',
      'subnet-0fedcba9876543210',
      'subnet-0aaaabbbbccccdddd',
    ]);
    expectProperties(t.directory, 'AWS::EC2::SecurityGroup', {
      VpcId: 'vpc-0123456789abcdef0',
      SecurityGroupEgress: [
        { CidrIp: '10.1.0.0/24', FromPort: 636, ToPort: 636, IpProtocol: 'tcp', Description: Match.anyValue() },
        { CidrIp: '10.1.0.0/24', FromPort: 3269, ToPort: 3269, IpProtocol: 'tcp', Description: Match.anyValue() },
        { CidrIp: '10.2.0.0/24', FromPort: 636, ToPort: 636, IpProtocol: 'tcp', Description: Match.anyValue() },
        { CidrIp: '10.2.0.0/24', FromPort: 3269, ToPort: 3269, IpProtocol: 'tcp', Description: Match.anyValue() },
      ],
    });
    expectProperties(t.directory, 'AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WorkerSecurityGroup'), 'GroupId'] },
      DestinationPrefixListId: 'pl-02cd2c6b',
      FromPort: 443,
      ToPort: 443,
      IpProtocol: 'tcp',
    });
    expect(JSON.stringify(t.directory.toJSON())).not.toContain('0.0.0.0/0');
  });

  it('follows the rate, retention, WAF limit, removal policy and alarm email settings', () => {
    const t = templatesOf(
      buildTestApp({
        lockoutScanRateMinutes: '1',
        logRetentionDays: '30',
        wafRateLimit: '100',
        removalPolicy: 'destroy',
        alarmEmail: 'ops@example.com',
        publicBaseUrl: 'https://reset.example.com',
      }),
    );
    expectProperties(t.messaging, 'AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
    for (const [, group] of resourcesOfType(t.all, 'AWS::Logs::LogGroup')) {
      expect(group.Properties).toMatchObject({ RetentionInDays: 30 });
    }
    expectProperties(t.api, 'AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([
        Match.objectLike({ Statement: { RateBasedStatement: Match.objectLike({ Limit: 100 }) } }),
      ]),
    });
    expectResource(t.data, 'AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    expectProperties(t.data, 'AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
    expectProperties(t.messaging, 'AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    const api = functionOf(t, 'blink-api');
    expect(envOf(api).PUBLIC_BASE_URL).toBe('https://reset.example.com');
  });

  it('grants SMS sending on exact ARNs when identities are phone number ids, and wires the given number', () => {
    const t = templatesOf(buildTestApp({ smsOriginationIdentities: PHONE_ID, smsPhoneNumberId: PHONE_ID }));
    const policies = JSON.stringify(resourcesOfType(t.all, 'AWS::IAM::Policy'));
    expect(policies).toContain(`:phone-number/${PHONE_ID}`);
    expect(policies).not.toContain(':phone-number/*');
    // Only that number's replies may be published to the inbound topic.
    const topicPolicy = JSON.stringify(
      theOnly([t.messaging], 'AWS::SNS::TopicPolicy', 'InboundSmsTopic').Properties?.PolicyDocument,
    );
    expect(topicPolicy).toContain(`:phone-number/${PHONE_ID}"`);
    expect(topicPolicy).not.toContain(':phone-number/*');
    expectOutput(t.messaging, 'TwoWaySmsCommand', {
      Value: {
        'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(`--phone-number-id ${PHONE_ID} --two-way-enabled`)])],
      },
    });
  });

  it('uses a domain identity when emailIdentityDomain is set', () => {
    const t = templatesOf(
      buildTestApp({ emailIdentityDomain: 'reset.example.com', senderEmail: 'blink@reset.example.com' }),
    );
    expectProperties(t.messaging, 'AWS::SES::EmailIdentity', { EmailIdentity: 'reset.example.com' });
  });
});
