import { ArnFormat, CfnOutput, Duration, Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import { LambdaIntegration, type Method, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import { alarmOnAny } from '../constructs/alarms.js';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { CfnLoggingConfiguration, CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import {
  BlinkFunction,
  type BlinkFunctionProps,
  type EmailSending,
  type SmsOrigination,
} from '../constructs/blink-function.js';
import { createBlinkRestApi } from '../constructs/rest-api.js';
import { StaticFiles } from '../constructs/static-files.js';
import { TIMEOUTS } from '../timeouts.js';
import type { FunctionStackProps } from './function-stack-props.js';

export const API_STAGE = 'v1';

export interface ApiStackProps extends FunctionStackProps {
  jobQueue: Queue;
  tokenHmacSecret: Secret;
  /** The VAPID key pair: the api function serves its public key (GET /api/device/push-config). */
  vapidSecret: Secret;
  inboundSmsTopic: Topic;
  inboundSmsFailures: Queue;
  email: EmailSending;
  sms: SmsOrigination;
  /** The Blink app's built files, served under `/app/` from S3 on the API's origin. */
  appFiles: { sourceDir: string; headers: Readonly<Record<string, string>>; pageRoutes: readonly string[] };
}

/**
 * The public entry points: the REST API (behind WAF) and the subscriber of the inbound SMS topic. Neither can read
 * the directory bind secret; work that needs AD goes to the job queue.
 */
export class ApiStack extends Stack {
  readonly api: RestApi;
  /** Base of the links in messages: the configured publicBaseUrl, else this API's own URL. */
  readonly publicBaseUrl: string;
  readonly apiFunction: BlinkFunction;
  readonly inboundSmsFunction: BlinkFunction;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.api = createBlinkRestApi(this, {
      ids: { api: 'PublicApi', accessLogs: 'ApiAccessLogs' },
      restApiName: 'blink-public',
      description: 'Blink public API: enrollment, reset and device requests',
      // API Gateway writes execution logs through one role per account and region, which this creates (and keeps).
      cloudWatchRole: true,
      stageName: API_STAGE,
      logRetention: config.logRetentionDays,
      removalPolicy: props.removalPolicy,
      logCaller: false,
      throttling: { rateLimit: 50, burstLimit: 100 },
      binaryMediaTypes: ['image/*'],
    });
    const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      Validations.of(cloudWatchRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'This is the account-wide API Gateway logging role (AWS::ApiGateway::Account), shared by every REST API in the account and region; the AWS managed policy is the documented one, and narrowing it to Blink log groups would break execution logging of other APIs',
      });
    }

    // PUBLIC_BASE_URL defaults to the API's own URL, built from parts so the function does not depend on the stage.
    const publicBaseUrl =
      config.publicBaseUrl ?? `https://${this.api.restApiId}.execute-api.${this.region}.${this.urlSuffix}/${API_STAGE}`;
    this.publicBaseUrl = publicBaseUrl;
    this.apiFunction = this.entryPoint(props, 'ApiFunction', {
      name: 'api',
      description: 'Blink: public REST API (all routes)',
      timeout: TIMEOUTS.api,
    })
      .useSecret('VAPID_SECRET_ARN', props.vapidSecret)
      .useWebPushSettings(config)
      .useEmailIdentity(props.email)
      .useSetupSettings(config)
      .usePushEndpoints(config);
    this.apiFunction.addEnvironment('PUBLIC_BASE_URL', publicBaseUrl);

    // One validator for every method: the proxy routes carry no API Gateway models (the function validates each
    // body with zod), but parameters declared as required are still enforced at the edge.
    const validator = this.api.addRequestValidator('RequestValidator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const integration = new LambdaIntegration(this.apiFunction, { proxy: true });
    const methods: Method[] = [
      this.api.root.addMethod('ANY', integration, { requestValidator: validator }),
      this.api.root.addResource('{proxy+}').addMethod('ANY', integration, { requestValidator: validator }),
    ];
    for (const method of methods) {
      for (const id of ['AwsSolutions-APIG4', 'AwsSolutions-COG4']) {
        Validations.of(method).acknowledge({
          id,
          reason:
            'Public self-service password reset: callers are people who cannot sign in. Each route authenticates its own request (single-use HMAC-checked tokens and SMS codes, P-256 signed device requests), with rate limits in DynamoDB and a WAF rate-based rule in front',
        });
      }
    }

    if (config.snsHttpsTopicArns) {
      // SNS deliveries over HTTPS, as an alternative to the inbound-sms function's subscription. The function verifies
      // every message's SNS signature and topic; without the setting it has no such route at all.
      this.apiFunction.addEnvironment('SNS_HTTPS_TOPIC_ARNS', config.snsHttpsTopicArns.join(','));
      const snsMethod = this.api.root
        .addResource('sns')
        .addResource('inbound-sms')
        .addMethod('POST', integration, { requestValidator: validator });
      for (const id of ['AwsSolutions-APIG4', 'AwsSolutions-COG4']) {
        Validations.of(snsMethod).acknowledge({
          id,
          reason:
            'SNS HTTPS subscriptions cannot present IAM or Cognito credentials; each delivery is authenticated by its SNS message signature (certificate fetched only from sns.<region>.amazonaws.com over https) and its topic must be one of snsHttpsTopicArns',
        });
      }
    }

    new StaticFiles(this, 'AppFiles', {
      api: this.api,
      requestValidator: validator,
      pathPrefix: 'app',
      ...props.appFiles,
      removalPolicy: props.removalPolicy,
    });

    this.firewall(config.wafRateLimit, config.logRetentionDays, props.removalPolicy);

    this.inboundSmsFunction = this.entryPoint(props, 'InboundSmsFunction', {
      name: 'inbound-sms',
      description: 'Blink: replies texted to the published numbers (from the End User Messaging SMS topic)',
      timeout: TIMEOUTS.inboundSms,
      onAsyncFailure: props.inboundSmsFailures,
    });
    props.inboundSmsTopic.addSubscription(new LambdaSubscription(this.inboundSmsFunction));
    // The same function reads its failure queue (synchronous invocations: a failure there never loops back to the
    // on-failure destination) and tells each sender once; see dispatchInboundSmsEvent for why not another function.
    this.inboundSmsFunction.consumeQueue(props.inboundSmsFailures, { batchSize: 10, maxConcurrency: 2 });

    this.apiFunction.alarmOnErrors(
      props.alarmTopic,
      'the public API function failed (errors, timeouts). Users saw a 5xx; check its logs.',
    );
    this.inboundSmsFunction.alarmOnErrors(
      props.alarmTopic,
      'handling an inbound SMS failed. SNS retries it; after the retries it lands in the inbound SMS failure queue.',
    );
    // 5xx answered by API Gateway itself (integration timeouts, throttled function) as well as by the function.
    alarmOnAny(this, 'ApiServerErrorAlarm', {
      description:
        'Blink: the public API answered 5xx. Users could not set up or reset; check the API function logs and API Gateway execution logs.',
      metric: this.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      alarmTopic: props.alarmTopic,
    });

    new CfnOutput(this, 'ApiUrl', { value: publicBaseUrl });
  }

  /**
   * A public entry point: both take enrollment and reset requests from people, so both read and write the table,
   * queue directory jobs, check codes with the token HMAC key and text users.
   */
  private entryPoint(
    props: ApiStackProps,
    id: string,
    settings: Omit<BlinkFunctionProps, 'logRetention' | 'removalPolicy' | 'version'>,
  ): BlinkFunction {
    const { config } = props;
    return new BlinkFunction(this, id, {
      ...settings,
      logRetention: config.logRetentionDays,
      removalPolicy: props.removalPolicy,
      version: props.version,
    })
      .useTable(props.table, 'readWrite', props.tableIndexes)
      .useQueue(props.jobQueue)
      .useSecret('TOKEN_HMAC_SECRET_ARN', props.tokenHmacSecret)
      .useSmsOrigination(props.sms)
      .useEnrollmentSettings(config)
      .useResetRequestSettings(config);
  }

  /** WAF in front of the stage: per-IP rate limit plus AWS's managed rule groups for common and known-bad input. */
  private firewall(rateLimit: number, logRetention: RetentionDays, removalPolicy: RemovalPolicy): void {
    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    const managed = (priority: number, name: string) => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
      visibilityConfig: visibility(`blink-${name}`),
    });
    const webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('blink-web-acl'),
      rules: [
        {
          name: 'rate-limit-per-ip',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: rateLimit, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
          visibilityConfig: visibility('blink-rate-limit-per-ip'),
        },
        managed(1, 'AWSManagedRulesAmazonIpReputationList'),
        managed(2, 'AWSManagedRulesCommonRuleSet'),
        managed(3, 'AWSManagedRulesKnownBadInputsRuleSet'),
      ],
    });
    // WAF logs show who was blocked and why. Paths and query strings can carry activation tokens, and device
    // requests carry signatures in headers: those are redacted before anything is written.
    const wafLogGroupName = `aws-waf-logs-${this.stackName}`;
    const wafLogs = new LogGroup(this, 'WafLogs', {
      logGroupName: wafLogGroupName,
      retention: logRetention,
      removalPolicy,
    });
    const wafLogging = new CfnLoggingConfiguration(this, 'WafLogging', {
      resourceArn: webAcl.attrArn,
      // WAF wants the log group ARN without the trailing ':*' that CloudFormation's Arn attribute has.
      logDestinationConfigs: [
        this.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: wafLogGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      redactedFields: [{ uriPath: {} }, { queryString: {} }, { singleHeader: { Name: 'authorization' } }],
    });
    wafLogging.node.addDependency(wafLogs);
    const association = new CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.api.deploymentStage.stageArn,
      webAclArn: webAcl.attrArn,
    });
    association.node.addDependency(this.api.deploymentStage);
  }
}
