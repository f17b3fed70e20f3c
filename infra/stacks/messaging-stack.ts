import { CfnOutput, Duration, Stack, type RemovalPolicy, type StackProps } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { alarmOnAny } from '../constructs/alarms.js';
import { EventField, Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { AnyPrincipal, Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import type { Key } from 'aws-cdk-lib/aws-kms';
import {
  ConfigurationSet,
  ConfigurationSetTlsPolicy,
  EmailIdentity,
  Identity,
  SuppressionReasons,
} from 'aws-cdk-lib/aws-ses';
import { CfnConfigurationSet as CfnSmsConfigurationSet, CfnProtectConfiguration } from 'aws-cdk-lib/aws-smsvoice';
import { getCountries } from 'libphonenumber-js';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption, type QueueProps } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { rotatingKey } from '../constructs/rotating-key.js';
import type { BlinkConfig } from '../config.js';
import type { EmailSending, SmsOrigination } from '../constructs/blink-function.js';
import { JOB_QUEUE_VISIBILITY, TIMEOUTS, WEB_PUSH_QUEUE_VISIBILITY } from '../timeouts.js';

/** Receives of a failure record (each an attempt to tell the sender) before it is parked in the failure DLQ. */
export const INBOUND_SMS_FAILURE_MAX_RECEIVES = 3;

export interface MessagingStackProps extends StackProps {
  config: BlinkConfig;
  removalPolicy: RemovalPolicy;
}

/**
 * Everything that carries messages: the directory job queue and its DLQ, the lockout-scan schedule that feeds it,
 * the inbound SMS topic, the alarm topic, and the SES / End User Messaging SMS sending configuration.
 */
export class MessagingStack extends Stack {
  readonly jobQueue: Queue;
  readonly jobDeadLetterQueue: Queue;
  readonly inboundSmsTopic: Topic;
  readonly inboundSmsFailures: Queue;
  /** Failure records whose sender could not be told (the apology kept failing, or the record is malformed). */
  readonly inboundSmsFailureDeadLetters: Queue;
  readonly alarmTopic: Topic;
  /** Web Pushes the directory worker queued for the web-push sender (outside the VPC), and their DLQ. */
  readonly webPushQueue: Queue;
  readonly webPushDeadLetterQueue: Queue;
  readonly email: EmailSending;
  readonly sms: SmsOrigination;

  constructor(scope: Construct, id: string, props: MessagingStackProps) {
    super(scope, id, props);
    const { config, removalPolicy } = props;

    // --- Alarms ----------------------------------------------------------------------------------------------------
    this.alarmTopic = this.topicOfService('cloudwatch.amazonaws.com', {
      ids: { topic: 'AlarmTopic', key: 'AlarmTopicKey' },
      keyDescription: 'encrypts the alarm topic',
      displayName: 'Blink alarms',
      publishSid: 'CloudWatchAlarmsOfThisAccount',
      removalPolicy,
    });
    if (config.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(config.alarmEmail));

    // --- Directory jobs --------------------------------------------------------------------------------------------
    const queueKey = rotatingKey(
      this,
      'QueueKey',
      'encrypts the directory job queue, its DLQ and the inbound SMS failure queue',
      removalPolicy,
    );
    const encrypted = { encryption: QueueEncryption.KMS, encryptionMasterKey: queueKey, enforceSSL: true } as const;
    // A job the worker failed five times (DC down, bad job) moves to the DLQ, which raises the alarm.
    [this.jobQueue, this.jobDeadLetterQueue] = this.queueWithAlarmedDeadLetters('Job', {
      encrypted,
      visibilityTimeout: JOB_QUEUE_VISIBILITY,
      retentionPeriod: Duration.days(4),
      alarm: 'Directory jobs failed repeatedly and are parked in the DLQ',
    });

    // The lockout scan is a job like any other, so only the directory worker ever talks to AD, and a scan that keeps
    // failing ends in the DLQ alarm. jobId = the event id (a UUID), requestedAt = the event time (ISO 8601).
    new Rule(this, 'LockoutScanSchedule', {
      description: `Blink: queue a lockout scan every ${config.lockoutScanRateMinutes} minute(s)`,
      schedule: Schedule.rate(Duration.minutes(config.lockoutScanRateMinutes)),
      targets: [
        new SqsQueue(this.jobQueue, {
          message: RuleTargetInput.fromObject({
            kind: 'lockout-scan',
            jobId: EventField.eventId,
            requestedAt: EventField.time,
          }),
          // Events that cannot be delivered land in the job DLQ too, and raise the same alarm.
          deadLetterQueue: this.jobDeadLetterQueue,
          retryAttempts: 3,
          maxEventAge: Duration.minutes(config.lockoutScanRateMinutes),
        }),
      ],
    });

    this.passwordExpirySchedule(config, queueKey);

    // --- Web Push --------------------------------------------------------------------------------------------------
    // The worker's VPC has no route to the push services: it queues each push (through the SQS endpoint), and the
    // web-push sender outside the VPC posts it. A push failing five times (push service down) is parked and alarmed.
    [this.webPushQueue, this.webPushDeadLetterQueue] = this.queueWithAlarmedDeadLetters('WebPush', {
      encrypted,
      visibilityTimeout: WEB_PUSH_QUEUE_VISIBILITY,
      retentionPeriod: Duration.days(1),
      alarm: 'Web Pushes failed repeatedly (push service unreachable or failing) and are parked in the web-push DLQ',
    });

    // --- Inbound SMS -----------------------------------------------------------------------------------------------
    // Two-way SMS needs a standard (not FIFO) topic, as every topic here is. Publishes come from End User Messaging on
    // behalf of this account's phone number(s) only (the configured number when smsPhoneNumberId is set), and nobody
    // else may publish at all, not even this account's own IAM principals: a forged "inbound SMS" would otherwise
    // reset a password.
    this.inboundSmsTopic = this.topicOfService('sms-voice.amazonaws.com', {
      ids: { topic: 'InboundSmsTopic', key: 'InboundSmsKey' },
      keyDescription: 'encrypts the inbound SMS topic; End User Messaging SMS publishes with it',
      displayName: 'Blink inbound SMS',
      publishSid: 'OnlyEndUserMessagingSmsOfThisAccount',
      publishConditions: { ArnLike: { 'aws:SourceArn': this.inboundNumberArn(config.smsPhoneNumberId) } },
      removalPolicy,
    });
    this.inboundSmsTopic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'NoOtherPublisher',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['sns:Publish'],
        resources: [this.inboundSmsTopic.topicArn],
        // aws:PrincipalServiceName is absent for IAM users and roles, so StringNotEquals denies them too.
        conditions: { StringNotEquals: { 'aws:PrincipalServiceName': 'sms-voice.amazonaws.com' } },
      }),
    );
    // Lambda retries an SNS (asynchronous) invocation twice; a message that still fails lands here as Lambda's
    // invocation record. The inbound-sms function consumes it to tell the sender (functions/inbound-sms/handler.ts), so
    // the queue is usually empty again within seconds: the alarm counts arrivals, not depth. A record whose sender
    // cannot be told after a few receives is parked in the DLQ below, whose depth raises an alarm of its own.
    this.inboundSmsFailureDeadLetters = new Queue(this, 'InboundSmsFailureDeadLetterQueue', {
      ...encrypted,
      retentionPeriod: Duration.days(14),
    });
    this.inboundSmsFailures = new Queue(this, 'InboundSmsFailureQueue', {
      ...encrypted,
      retentionPeriod: Duration.days(14),
      // AWS's guidance for SQS event sources: at least six times the consumer's timeout.
      visibilityTimeout: Duration.seconds(TIMEOUTS.inboundSms.toSeconds() * 6),
      deadLetterQueue: { queue: this.inboundSmsFailureDeadLetters, maxReceiveCount: INBOUND_SMS_FAILURE_MAX_RECEIVES },
    });
    alarmOnAny(this, 'InboundSmsFailureAlarm', {
      description:
        "Blink: inbound SMS messages failed processing after Lambda's retries (senders are told to try again). Read the inbound-sms logs by inboundMessageId and the users' audit (inbound-failed).",
      metric: this.inboundSmsFailures.metricNumberOfMessagesSent({ period: Duration.minutes(5), statistic: 'Sum' }),
      alarmTopic: this.alarmTopic,
    });
    this.alarmOnMessages(
      'InboundSmsFailureDeadLetterAlarm',
      this.inboundSmsFailureDeadLetters,
      'Failed inbound SMS whose senders could not be told (or unreadable failure records) are parked in the inbound SMS failure DLQ',
    );

    // --- Sending: email --------------------------------------------------------------------------------------------
    const emailConfigurationSet = new ConfigurationSet(this, 'EmailConfigurationSet', {
      tlsPolicy: ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: true,
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    const emailIdentity = new EmailIdentity(this, 'EmailIdentity', {
      identity: config.emailIdentityDomain
        ? Identity.domain(config.emailIdentityDomain)
        : Identity.email(config.senderEmail),
      configurationSet: emailConfigurationSet,
    });
    this.email = {
      from: config.senderEmail,
      identityArn: emailIdentity.emailIdentityArn,
      configurationSetName: emailConfigurationSet.configurationSetName,
      configurationSetArn: this.formatArn({
        service: 'ses',
        resource: 'configuration-set',
        resourceName: emailConfigurationSet.configurationSetName,
      }),
    };

    // --- Sending: SMS ----------------------------------------------------------------------------------------------
    // SMS pumping (texts to premium ranges abroad, paid per message) is stopped by End User Messaging itself: every
    // country but smsAllowedCountries is blocked for messages sent with Blink's configuration set.
    const smsProtection = new CfnProtectConfiguration(this, 'SmsProtectConfiguration', {
      countryRuleSet: { sms: smsCountryRules(config.smsAllowedCountries) },
    });
    const smsConfigurationSet = new CfnSmsConfigurationSet(this, 'SmsConfigurationSet', {
      protectConfigurationId: smsProtection.attrProtectConfigurationId,
    });
    this.smsSpendAlarm(config.smsMonthlySpendLimitUsd);
    this.sms = {
      identities: config.smsOriginationIdentities,
      inboundNumbers: config.smsInboundNumbers,
      configurationSetName: smsConfigurationSet.ref,
      optOutList: config.smsOptOutList,
      optOutListArn: config.smsOptOutList.startsWith('arn:')
        ? config.smsOptOutList
        : this.formatArn({ service: 'sms-voice', resource: 'opt-out-list', resourceName: config.smsOptOutList }),
      resourceArns: [
        ...new Set(config.smsOriginationIdentities.map((identity) => this.smsIdentityArn(identity))),
        smsConfigurationSet.attrArn,
      ],
    };

    this.twoWaySmsWiring(config.smsPhoneNumberId);
    new CfnOutput(this, 'InboundSmsTopicArn', { value: this.inboundSmsTopic.topicArn });
    new CfnOutput(this, 'JobDeadLetterQueueUrl', { value: this.jobDeadLetterQueue.queueUrl });
  }

  /**
   * An alarm at 80 % of the monthly SMS budget, on the month-to-date spend End User Messaging publishes (AWS/SMSVoice
   * TextMessageMonthlySpend, account-wide), and the CLI call that makes the budget a hard limit: CloudFormation has no
   * resource for the account's enforced spend limit.
   */
  private smsSpendAlarm(limitUsd: number): void {
    const threshold = Math.round(limitUsd * 0.8 * 100) / 100;
    new Alarm(this, 'SmsSpendAlarm', {
      alarmDescription: `Blink: SMS spend this month passed ${threshold} USD, 80 % of smsMonthlySpendLimitUsd (${limitUsd} USD); End User Messaging stops sending at the enforced limit. Check the setup and inbound SMS traffic (SMS pumping?) before raising it.`,
      metric: new Metric({
        namespace: 'AWS/SMSVoice',
        metricName: 'TextMessageMonthlySpend',
        period: Duration.hours(1),
        statistic: 'Maximum',
      }),
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new SnsAction(this.alarmTopic));
    new CfnOutput(this, 'SmsSpendLimitCommand', {
      description:
        'Run once (and after changing smsMonthlySpendLimitUsd) to make the SMS budget the enforced monthly limit of the account and region',
      value: `aws pinpoint-sms-voice-v2 set-text-message-spend-limit-override --monthly-limit ${limitUsd} --region ${this.region}`,
    });
  }

  /** The phone number whose replies reach the topic: the configured one, else any phone number of this account and region. */
  private inboundNumberArn(phoneNumberId: string | undefined): string {
    if (phoneNumberId?.startsWith('arn:')) return phoneNumberId;
    return this.formatArn({ service: 'sms-voice', resource: 'phone-number', resourceName: phoneNumberId ?? '*' });
  }

  /** E.164 numbers have no ARN of their own (phone-number ids are assigned by AWS), so they map to the pattern. */
  private smsIdentityArn(identity: string): string {
    if (identity.startsWith('arn:')) return identity;
    if (identity.startsWith('phone-'))
      return this.formatArn({ service: 'sms-voice', resource: 'phone-number', resourceName: identity });
    if (identity.startsWith('pool-'))
      return this.formatArn({ service: 'sms-voice', resource: 'pool', resourceName: identity });
    return this.formatArn({ service: 'sms-voice', resource: 'phone-number', resourceName: '*' });
  }

  /**
   * CloudFormation's AWS::SMSVOICE::PhoneNumber (CDK CfnPhoneNumber) *requests a new number*; it cannot adopt one
   * that already exists. So for an existing number the two-way settings are one CLI call, printed as an output.
   * The topic policy above authorizes the service, so no TwoWayChannelRole is needed.
   */
  private twoWaySmsWiring(phoneNumberId: string | undefined): void {
    const target = phoneNumberId ?? '<phone-number-id>';
    new CfnOutput(this, 'TwoWaySmsCommand', {
      description: phoneNumberId
        ? 'Run once to send replies to the configured phone number into Blink'
        : 'Set -c smsPhoneNumberId=phone-… to get the exact command for your number',
      value: `aws pinpoint-sms-voice-v2 update-phone-number --phone-number-id ${target} --two-way-enabled --two-way-channel-arn ${this.inboundSmsTopic.topicArn}`,
    });
  }

  /** Lets an AWS service encrypt to / decrypt from a key for resources of this account only. */
  /**
   * The daily password-expiry reminders: an EventBridge Scheduler cron at the configured hour in the deployment's time
   * zone (Scheduler follows daylight saving; an EventBridge rule runs in UTC only), queueing a `password-expiry-scan`
   * job. jobId is the execution id (the reminder log, not the job id, makes each reminder go once). Its role may send
   * to the job queue and its DLQ only, and use the queue key only through SQS.
   */
  private passwordExpirySchedule(config: BlinkConfig, queueKey: Key): void {
    const role = new Role(this, 'PasswordExpiryScheduleRole', {
      description: 'Blink: EventBridge Scheduler sends the daily password-expiry job to the job queue',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    });
    role.addToPolicy(
      new PolicyStatement({
        actions: ['sqs:SendMessage'],
        resources: [this.jobQueue.queueArn, this.jobDeadLetterQueue.queueArn],
      }),
    );
    role.addToPolicy(
      new PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [queueKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `sqs.${this.region}.amazonaws.com` } },
      }),
    );
    new CfnSchedule(this, 'PasswordExpirySchedule', {
      description: `Blink: queue the password-expiry reminders daily at ${String(config.passwordExpiryReminderHour).padStart(2, '0')}:00 ${config.lockoutAlertTimeZone}`,
      scheduleExpression: `cron(0 ${config.passwordExpiryReminderHour} * * ? *)`,
      scheduleExpressionTimezone: config.lockoutAlertTimeZone,
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: this.jobQueue.queueArn,
        roleArn: role.roleArn,
        input: JSON.stringify({
          kind: 'password-expiry-scan',
          jobId: '<aws.scheduler.execution-id>',
          requestedAt: '<aws.scheduler.scheduled-time>',
        }),
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
        // A job that cannot be queued lands in the job DLQ, which raises its alarm.
        deadLetterConfig: { arn: this.jobDeadLetterQueue.queueArn },
      },
    });
  }

  /**
   * A topic encrypted with a rotating key of its own, to which `service` may publish on behalf of this account
   * (and under `publishConditions`): the key lets the service use it, the topic's policy lets it publish.
   */
  private topicOfService(
    service: string,
    props: {
      ids: { topic: string; key: string };
      keyDescription: string;
      displayName: string;
      publishSid: string;
      publishConditions?: Record<string, Record<string, string>>;
      removalPolicy: RemovalPolicy;
    },
  ): Topic {
    const key = rotatingKey(this, props.ids.key, props.keyDescription, props.removalPolicy);
    key.addToResourcePolicy(this.serviceMayUseKey(service));
    const topic = new Topic(this, props.ids.topic, {
      masterKey: key,
      enforceSSL: true,
      displayName: props.displayName,
    });
    topic.addToResourcePolicy(
      new PolicyStatement({
        sid: props.publishSid,
        principals: [new ServicePrincipal(service)],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account }, ...props.publishConditions },
      }),
    );
    return topic;
  }

  private serviceMayUseKey(service: string): PolicyStatement {
    return new PolicyStatement({
      principals: [new ServicePrincipal(service)],
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
    });
  }

  /**
   * `<name>Queue` and its dead-letter queue `<name>DeadLetterQueue` (kept 14 days): a message received five times
   * moves there, and `<name>DeadLetterAlarm` fires on the first one.
   */
  private queueWithAlarmedDeadLetters(
    name: string,
    options: { encrypted: QueueProps; visibilityTimeout: Duration; retentionPeriod: Duration; alarm: string },
  ): [Queue, Queue] {
    const deadLetters = new Queue(this, `${name}DeadLetterQueue`, {
      ...options.encrypted,
      retentionPeriod: Duration.days(14),
    });
    const queue = new Queue(this, `${name}Queue`, {
      ...options.encrypted,
      visibilityTimeout: options.visibilityTimeout,
      retentionPeriod: options.retentionPeriod,
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: 5 },
    });
    this.alarmOnMessages(`${name}DeadLetterAlarm`, deadLetters, options.alarm);
    return [queue, deadLetters];
  }

  private alarmOnMessages(id: string, queue: Queue, description: string): Alarm {
    return alarmOnAny(this, id, {
      description: `Blink: ${description}. Inspect the messages, fix the cause, then redrive them.`,
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      alarmTopic: this.alarmTopic,
    });
  }
}

/**
 * Codes libphonenumber knows that are not ISO 3166-1 alpha-2 country codes (Ascension, Tristan da Cunha, Kosovo):
 * End User Messaging names countries by ISO code only, so these get no rule of their own.
 */
const NOT_ISO_COUNTRY_CODES = new Set(['AC', 'TA', 'XK']);

/** One rule per country with phone numbers: ALLOW for the allowed ones, BLOCK for every other. */
export function smsCountryRules(allowed: readonly string[]): CfnProtectConfiguration.CountryRuleProperty[] {
  const countries = new Set<string>([...getCountries().filter((code) => !NOT_ISO_COUNTRY_CODES.has(code)), ...allowed]);
  return [...countries]
    .sort()
    .map((countryCode) => ({ countryCode, protectStatus: allowed.includes(countryCode) ? 'ALLOW' : 'BLOCK' }));
}
