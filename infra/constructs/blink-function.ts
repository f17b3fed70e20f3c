import { join } from 'node:path';
import { Duration, Names, Stack, Token, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { alarmOnAny } from './alarms.js';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime, Tracing, type IDestination, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { lambdaBundling } from '../bundling.js';

/** The Lambda functions; each has its composition root at `functions/<name>/index.ts`. */
export type FunctionName = 'api' | 'inbound-sms' | 'directory-worker' | 'admin-api' | 'web-push-sender';

export interface BlinkFunctionProps {
  name: FunctionName;
  description: string;
  timeout: Duration;
  memorySize?: number;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  version: string;
  vpc?: IVpc;
  vpcSubnets?: SubnetSelection;
  securityGroups?: ISecurityGroup[];
  commandHooks?: ICommandHooks;
  /** Lambda's asynchronous invocations (SNS) end here after their retries, instead of being dropped. */
  onAsyncFailure?: IQueue;
}

/** What an SMS sender needs to know: identities for the env var, and the IAM resources they map to. */
export interface SmsOrigination {
  identities: string[];
  inboundNumbers: string[];
  configurationSetName: string;
  /** Phone-number / pool ARNs plus the configuration set ARN. */
  resourceArns: string[];
  /** The origination numbers' opt-out list (SMS_OPT_OUT_LIST) and its ARN, read before every send. */
  optOutList: string;
  optOutListArn: string;
}

export interface EmailSending {
  from: string;
  identityArn: string;
  configurationSetName: string;
  configurationSetArn: string;
}

/**
 * NodejsFunction with the house defaults: Node.js 24 on arm64, X-Ray tracing, an explicit log group with retention,
 * bundling from `infra/bundling.ts` (the same settings `npm run bench` measures), and a role of its own with no
 * AWS managed policies. The `use*` helpers set an environment variable and the matching least-privilege grant in
 * one call, so a function never gets a name without the permission, or a permission without a reason to use it.
 */
export class BlinkFunction extends NodejsFunction {
  declare readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: BlinkFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the Blink ${props.name} function`,
    });
    // Instead of AWSLambdaBasicExecutionRole (logs:* on every log group): write to this function's group only.
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    if (props.vpc) {
      // What AWSLambdaVPCAccessExecutionRole grants: Lambda attaches the function's network interfaces with its role.
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
    }
    const { esbuild } = lambdaBundling;
    super(scope, id, {
      entry: join(__dirname, '..', '..', 'functions', props.name, 'index.ts'),
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout,
      tracing: Tracing.ACTIVE,
      logGroup,
      role,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      onFailure: props.onAsyncFailure ? new QueueFailureDestination(props.onAsyncFailure) : undefined,
      environment: {
        POWERTOOLS_SERVICE_NAME: `blink-${props.name}`,
        POWERTOOLS_METRICS_NAMESPACE: 'Blink',
        BLINK_VERSION: props.version,
        // Answers hold binding codes, enrollment URIs and encrypted passwords: never in a trace (see traceHandler).
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        NODE_OPTIONS: lambdaBundling.nodeOptions,
      },
      bundling: {
        minify: esbuild.minify,
        sourceMap: esbuild.sourcemap,
        sourcesContent: esbuild.sourcesContent,
        target: esbuild.target,
        format: OutputFormat.CJS,
        mainFields: [...esbuild.mainFields],
        // Bundle the pinned AWS SDK v3 clients instead of using the runtime's copy: the code runs against the
        // versions it was tested with, and esbuild drops the parts of each client we never call.
        bundleAwsSDK: true,
        externalModules: [...esbuild.external],
        esbuildArgs: { '--legal-comments': esbuild.legalComments },
        commandHooks: props.commandHooks,
      },
    });

    // CDK adds the X-Ray and (in a VPC) ENI statements to this policy; neither API has resource-level permissions.
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: props.vpc
        ? 'xray:PutTraceSegments/PutTelemetryRecords and the ec2 network-interface actions Lambda needs to attach to the VPC do not support resource-level permissions'
        : 'xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) do not support resource-level permissions',
    });
  }

  /** TABLE_NAME plus item-level access to the table and the named indexes. Never Scan: every access is by key. */
  useTable(table: ITable, access: 'read' | 'readWrite', indexes: string[]): this {
    this.addEnvironment('TABLE_NAME', table.tableName);
    const read = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'];
    const write = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: access === 'read' ? read : [...read, ...write],
        resources: [table.tableArn, ...indexes.map((index) => `${table.tableArn}/index/${index}`)],
      }),
    );
    if (table.encryptionKey) {
      this.useKeyVia(
        table.encryptionKey,
        'dynamodb',
        access === 'read' ? ['kms:Decrypt'] : ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      );
    }
    return this;
  }

  /** JOB_QUEUE_URL plus permission to send (and nothing else) to the queue. */
  useQueue(queue: IQueue): this {
    this.addEnvironment('JOB_QUEUE_URL', queue.queueUrl);
    this.sendTo(queue);
    return this;
  }

  /** WEB_PUSH_QUEUE_URL plus permission to send (and nothing else) to the web-push queue. */
  useWebPushQueue(queue: IQueue): this {
    this.addEnvironment('WEB_PUSH_QUEUE_URL', queue.queueUrl);
    this.sendTo(queue);
    return this;
  }

  private sendTo(queue: IQueue): void {
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
    if (queue.encryptionMasterKey)
      this.useKeyVia(queue.encryptionMasterKey, 'sqs', ['kms:GenerateDataKey', 'kms:Decrypt']);
  }

  /** `<envName>` = the secret's ARN, plus permission to read that one secret. */
  useSecret(
    envName:
      'TOKEN_HMAC_SECRET_ARN' | 'DIRECTORY_BIND_SECRET_ARN' | 'VAPID_SECRET_ARN' | 'PORTAL_OIDC_CLIENT_SECRET_ARN',
    secret: ISecret,
  ): this {
    this.addEnvironment(envName, secret.secretArn);
    // Written out instead of secret.grantRead(): that one also edits the key policy of a key in another stack
    // (a dependency cycle) and adds DescribeSecret, which the function never calls.
    this.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
    );
    if (secret.encryptionKey) this.useKeyVia(secret.encryptionKey, 'secretsmanager', ['kms:Decrypt']);
    return this;
  }

  /** EMAIL_FROM and SES_CONFIGURATION_SET, plus ses:SendEmail on that identity and configuration set only. */
  useEmailIdentity(email: EmailSending): this {
    this.addEnvironment('EMAIL_FROM', email.from);
    this.addEnvironment('SES_CONFIGURATION_SET', email.configurationSetName);
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [email.identityArn, email.configurationSetArn],
      }),
    );
    return this;
  }

  /** The SMS_* variables plus sms-voice:SendTextMessage on the origination identities and configuration set. */
  useSmsOrigination(sms: SmsOrigination): this {
    this.addEnvironment('SMS_ORIGINATION_IDENTITIES', sms.identities.join(','));
    this.addEnvironment('SMS_INBOUND_NUMBERS', sms.inboundNumbers.join(','));
    this.addEnvironment('SMS_CONFIGURATION_SET', sms.configurationSetName);
    this.addEnvironment('SMS_OPT_OUT_LIST', sms.optOutList);
    this.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['sms-voice:SendTextMessage'], resources: sms.resourceArns }),
    );
    // Every send first asks whether the destination is on the numbers' opt-out list (an AWS-managed STOP).
    this.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['sms-voice:DescribeOptedOutNumbers'], resources: [sms.optOutListArn] }),
    );
    const stack = Stack.of(this);
    const pattern = sms.resourceArns.find((arn) => arn.endsWith(':phone-number/*'));
    if (pattern) {
      // cdk-nag names the finding after the resolved ARN, with unresolved parts written as <AWS::Name>.
      const part = (value: string, name: string) => (Token.isUnresolved(value) ? `<AWS::${name}>` : value);
      const findingArn = `arn:${part(stack.partition, 'Partition')}:sms-voice:${part(stack.region, 'Region')}:${part(stack.account, 'AccountId')}:phone-number/*`;
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${findingArn}]`,
        reason:
          'Origination identities are configured as E.164 numbers (smsOriginationIdentities) and End User Messaging assigns phone-number ids that are not known at synth time; the pattern is limited to phone numbers of this account and region, and the action to SendTextMessage. Configure phone-… ids or ARNs to remove the wildcard',
      });
    }
    return this;
  }

  /**
   * What the setup page needs beyond the wording: the default country of typed numbers and the countries verification
   * codes may be texted to.
   */
  useSetupSettings(settings: { defaultCountry: string; smsAllowedCountries: string[] }): this {
    this.addEnvironment('DEFAULT_COUNTRY', settings.defaultCountry);
    this.addEnvironment('SMS_ALLOWED_COUNTRIES', settings.smsAllowedCountries.join(','));
    return this;
  }

  /** How the directory worker resets: force-change at next sign-in, unlock with the reset, shortest password. */
  usePasswordSettings(settings: {
    resetForceChange: boolean;
    resetUnlocks: boolean;
    passwordMinLength: number;
    replicationConfirmSeconds: number;
  }): this {
    this.addEnvironment('RESET_FORCE_CHANGE', String(settings.resetForceChange));
    this.addEnvironment('RESET_UNLOCK_ON_RESET', String(settings.resetUnlocks));
    this.addEnvironment('PASSWORD_MIN_LENGTH', String(settings.passwordMinLength));
    this.addEnvironment('REPLICATION_CONFIRM_SECONDS', String(settings.replicationConfirmSeconds));
    return this;
  }

  /** The enrollment wording and link lifetime, the same for every function that writes to users. */
  useEnrollmentSettings(settings: { productName: string; supportContact: string; activationTtlHours: number }): this {
    this.addEnvironment('PRODUCT_NAME', settings.productName);
    this.addEnvironment('SUPPORT_CONTACT', settings.supportContact);
    this.addEnvironment('ACTIVATION_TTL_HOURS', String(settings.activationTtlHours));
    return this;
  }

  /**
   * sns:Publish to mobile push platform endpoints of this account and region (the devices' push tokens are endpoint
   * ARNs created when an app registers, so they are not known at synth time). Publish to topics is not included.
   */
  usePushPublishing(): this {
    const stack = Stack.of(this);
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['sns:Publish'],
        resources: [stack.formatArn({ service: 'sns', resource: 'endpoint', resourceName: '*' })],
      }),
    );
    const part = (value: string, name: string) => (Token.isUnresolved(value) ? `<AWS::${name}>` : value);
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:${part(stack.partition, 'Partition')}:sns:${part(stack.region, 'Region')}:${part(stack.account, 'AccountId')}:endpoint/*]`,
      reason:
        'Push targets are SNS platform endpoints created per device at registration; their ARNs are not known at synth time. The pattern covers platform endpoints of this account and region only (not topics), and the action is Publish only',
    });
    return this;
  }

  /**
   * The alarm topic in `variable` and sns:Publish on exactly that topic, its key through SNS only: operator alerts
   * besides the CloudWatch alarms on the same topic (the worker's mass lockouts, the portal's emergency path).
   */
  useOperatorAlerts(topic: ITopic, variable: 'ALARM_TOPIC_ARN' | 'PORTAL_ALARM_TOPIC_ARN'): this {
    this.addEnvironment(variable, topic.topicArn);
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }));
    if (topic.masterKey) this.useKeyVia(topic.masterKey, 'sns', ['kms:GenerateDataKey', 'kms:Decrypt']);
    return this;
  }

  /** WEB_PUSH_HOSTS and WEB_PUSH_SUBJECT when configured (the functions' defaults otherwise). */
  useWebPushSettings(settings: { webPushHosts?: string[] | undefined; webPushSubject?: string | undefined }): this {
    if (settings.webPushHosts) this.addEnvironment('WEB_PUSH_HOSTS', settings.webPushHosts.join(','));
    if (settings.webPushSubject) this.addEnvironment('WEB_PUSH_SUBJECT', settings.webPushSubject);
    return this;
  }

  /**
   * The push platform applications (env) plus sns:CreatePlatformEndpoint on exactly those: the function makes a
   * device's endpoint from its token at registration, on no other application, and never publishes.
   */
  usePushEndpoints(applications: {
    pushApnsPlatformApplicationArn?: string | undefined;
    pushFcmPlatformApplicationArn?: string | undefined;
  }): this {
    const arns: string[] = [];
    if (applications.pushApnsPlatformApplicationArn) {
      this.addEnvironment('PUSH_APNS_PLATFORM_APPLICATION_ARN', applications.pushApnsPlatformApplicationArn);
      arns.push(applications.pushApnsPlatformApplicationArn);
    }
    if (applications.pushFcmPlatformApplicationArn) {
      this.addEnvironment('PUSH_FCM_PLATFORM_APPLICATION_ARN', applications.pushFcmPlatformApplicationArn);
      arns.push(applications.pushFcmPlatformApplicationArn);
    }
    if (arns.length > 0)
      this.role.addToPolicy(new iam.PolicyStatement({ actions: ['sns:CreatePlatformEndpoint'], resources: arns }));
    return this;
  }

  /** Reset request settings (inbound SMS keywords, confirmation mode, per-account limits shared by SMS and app). */
  useResetRequestSettings(settings: {
    resetsPerHour: number;
    resetsPerDay: number;
    resetConfirmation: boolean;
    smsResetKeywords?: string[] | undefined;
    smsUnlockKeywords?: string[] | undefined;
    smsHelpKeywords?: string[] | undefined;
  }): this {
    this.addEnvironment('RESETS_PER_HOUR', String(settings.resetsPerHour));
    this.addEnvironment('RESETS_PER_DAY', String(settings.resetsPerDay));
    this.addEnvironment('RESET_CONFIRMATION', String(settings.resetConfirmation));
    if (settings.smsResetKeywords) this.addEnvironment('SMS_RESET_KEYWORDS', settings.smsResetKeywords.join(','));
    if (settings.smsUnlockKeywords) this.addEnvironment('SMS_UNLOCK_KEYWORDS', settings.smsUnlockKeywords.join(','));
    if (settings.smsHelpKeywords) this.addEnvironment('SMS_HELP_KEYWORDS', settings.smsHelpKeywords.join(','));
    return this;
  }

  /**
   * An SQS event source on `queue` (batches with partial batch failures) plus exactly what Lambda's poller needs with
   * the function's role: receive, delete and read attributes of that one queue, and decrypt with its key via SQS.
   * (SqsEventSource would also grant GetQueueUrl and ChangeMessageVisibility, which the poller does not use.)
   */
  consumeQueue(queue: IQueue, options: { batchSize: number; maxConcurrency: number }): this {
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        resources: [queue.queueArn],
      }),
    );
    if (queue.encryptionMasterKey) this.useKeyVia(queue.encryptionMasterKey, 'sqs', ['kms:Decrypt']);
    const mapping = this.addEventSourceMapping(`${Names.uniqueId(queue)}Source`, {
      eventSourceArn: queue.queueArn,
      batchSize: options.batchSize,
      reportBatchItemFailures: true,
      maxConcurrency: options.maxConcurrency,
    });
    // The mapping is validated against the role when it is created: the grant must exist first.
    mapping.node.addDependency(this.role);
    return this;
  }

  /** DIRECTORY_WORKER_FUNCTION plus lambda:InvokeFunction on that one function (no versions, no other function). */
  useDirectoryWorker(worker: IFunction): this {
    this.addEnvironment('DIRECTORY_WORKER_FUNCTION', worker.functionName);
    this.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [worker.functionArn] }),
    );
    return this;
  }

  /** The admin portal's origin and OpenID provider (PORTAL_*): the Cognito pool's issuer and app client when deployed. */
  usePortalSettings(settings: {
    portalBaseUrl: string;
    issuer: string;
    clientId: string;
    groupsClaim: string;
    scopes: string;
    adminGroups: string;
    technicianGroups: string;
  }): this {
    this.addEnvironment('PORTAL_BASE_URL', settings.portalBaseUrl);
    this.addEnvironment('PORTAL_OIDC_ISSUER', settings.issuer);
    this.addEnvironment('PORTAL_OIDC_CLIENT_ID', settings.clientId);
    this.addEnvironment('PORTAL_OIDC_GROUPS_CLAIM', settings.groupsClaim);
    this.addEnvironment('PORTAL_OIDC_SCOPES', settings.scopes);
    this.addEnvironment('PORTAL_ADMIN_GROUPS', settings.adminGroups);
    this.addEnvironment('PORTAL_TECHNICIAN_GROUPS', settings.technicianGroups);
    return this;
  }

  /**
   * An alarm to the admins' topic when the function fails at all in five minutes (errors of the handler: a throttled,
   * timed-out or crashed invocation). Each function's own failures are worth a look; none are expected.
   */
  alarmOnErrors(alarmTopic: ITopic, description: string): Alarm {
    return alarmOnAny(this, 'ErrorAlarm', {
      description: `Blink: ${description}`,
      metric: this.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      alarmTopic,
    });
  }

  private useKeyVia(key: IKey, service: string, actions: string[]): void {
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions,
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `${service}.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
  }
}

/**
 * Like aws-lambda-destinations' SqsDestination, but with an exact grant: that one grants kms:GenerateDataKey* and
 * kms:ReEncrypt* on an encrypted queue, where sending needs only GenerateDataKey and Decrypt, and only through SQS
 * (kms:ViaService), so the role cannot use the queue key directly to decrypt anything else encrypted with it.
 */
class QueueFailureDestination implements IDestination {
  constructor(private readonly queue: IQueue) {}

  bind(scope: Construct, fn: { grantPrincipal: iam.IPrincipal }) {
    fn.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }),
    );
    if (this.queue.encryptionMasterKey) {
      fn.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [this.queue.encryptionMasterKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `sqs.${Stack.of(scope).region}.amazonaws.com` } },
        }),
      );
    }
    return { destination: this.queue.queueArn };
  }
}
