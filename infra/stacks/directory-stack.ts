import { Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { alarmOnAny } from '../constructs/alarms.js';
import {
  FlowLogDestination,
  GatewayVpcEndpointAwsService,
  InterfaceVpcEndpointAwsService,
  Peer,
  Port,
  SecurityGroup,
  Subnet,
  SubnetType,
  Vpc,
  type IVpc,
  type SubnetSelection,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { BlinkConfig } from '../config.js';
import { BlinkFunction, type EmailSending, type SmsOrigination } from '../constructs/blink-function.js';
import { TIMEOUTS } from '../timeouts.js';
import type { FunctionStackProps } from './function-stack-props.js';

/** Where the worker finds the DC CA bundle: copied next to the bundle at build time, read-only at run time. */
export const LDAP_CA_PATH_IN_BUNDLE = '/var/task/ldap-ca.pem';

export interface DirectoryStackProps extends FunctionStackProps {
  jobQueue: Queue;
  tokenHmacSecret: Secret;
  directoryBindSecret: Secret;
  /** The VAPID key pair the web-push sender signs Web Pushes with (the worker never reads it). */
  vapidSecret: Secret;
  /** Web Pushes the worker queues for the web-push sender, which consumes them outside the VPC. */
  webPushQueue: Queue;
  email: EmailSending;
  sms: SmsOrigination;
  /** Base of the activation links the worker emails (the public API's URL unless configured). */
  publicBaseUrl: string;
}

/**
 * The directory worker: the only function that talks to AD and the only one that can read the bind credential.
 * It runs in a VPC with a route to the DCs, and its security group lets it reach the DCs' LDAP ports and AWS APIs
 * on 443, nothing else.
 */
export class DirectoryStack extends Stack {
  readonly worker: BlinkFunction;
  /** Posts the Web Pushes the worker queued; outside the VPC, the only function with a route to the push services. */
  readonly webPushSender: BlinkFunction;
  readonly securityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: DirectoryStackProps) {
    super(scope, id, props);
    const { config } = props;
    const { vpc, subnets, createdVpc } = this.network(config, props.removalPolicy);

    this.securityGroup = new SecurityGroup(this, 'WorkerSecurityGroup', {
      vpc,
      description: 'Blink directory worker: LDAP(S) to the domain controllers, HTTPS to AWS APIs, nothing else',
      allowAllOutbound: false,
    });
    for (const cidr of config.ldapPeerCidrs) {
      for (const port of config.ldapPorts) {
        this.securityGroup.addEgressRule(Peer.ipv4(cidr), Port.tcp(port), `LDAP to domain controllers ${cidr}:${port}`);
      }
    }
    if (createdVpc) this.privateAwsEndpoints(createdVpc);
    if (config.awsApiPrefixListIds) {
      for (const prefixList of config.awsApiPrefixListIds) {
        this.securityGroup.addEgressRule(Peer.prefixList(prefixList), Port.tcp(443), `AWS APIs via ${prefixList}`);
      }
    } else {
      // DynamoDB's gateway endpoint is reached through its regional public prefix list, whose id CloudFormation cannot
      // look up offline. In the demo VPC the subnets are isolated (no NAT, no internet gateway), so 443 reaches only
      // the VPC endpoints; in an imported VPC give awsApiPrefixListIds to narrow this rule.
      this.securityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), 'AWS APIs (VPC endpoints) over HTTPS');
    }

    this.worker = new BlinkFunction(this, 'DirectoryWorker', {
      name: 'directory-worker',
      description: 'Blink: runs directory jobs (reset, unlock, lockout scan, ping) against AD',
      timeout: TIMEOUTS.directoryWorker,
      logRetention: config.logRetentionDays,
      removalPolicy: props.removalPolicy,
      version: props.version,
      vpc,
      vpcSubnets: subnets,
      securityGroups: [this.securityGroup],
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: (_inputDir, outputDir) => [
          `cp ${shellQuote(config.ldapCaPath)} ${shellQuote(`${outputDir}/ldap-ca.pem`)}`,
        ],
      },
    })
      .useTable(props.table, 'readWrite', props.tableIndexes)
      .useSecret('DIRECTORY_BIND_SECRET_ARN', props.directoryBindSecret)
      .useSecret('TOKEN_HMAC_SECRET_ARN', props.tokenHmacSecret)
      // Web Push only queued: no VAPID key here, and no route from the VPC to the push services.
      .useWebPushQueue(props.webPushQueue)
      .useEmailIdentity(props.email)
      .useSmsOrigination(props.sms)
      .usePushPublishing()
      // Sends only its own continuations (password-expiry scan) to the queue it consumes.
      .useQueue(props.jobQueue)
      .useEnrollmentSettings(config)
      .usePasswordSettings(config);
    const environment: Record<string, string> = {
      LDAP_URLS: config.ldapUrls.join(','),
      LDAP_BASE_DN: config.ldapBaseDn,
      LDAP_BIND_DN: config.ldapBindDn,
      LDAP_STARTTLS: String(config.ldapStartTls),
      LDAP_PASSWORD_POLICY_HINTS: String(config.ldapPasswordPolicyHints),
      LDAP_CA_FILE: LDAP_CA_PATH_IN_BUNDLE,
      PUBLIC_BASE_URL: props.publicBaseUrl,
      LOCKOUT_SCAN_PAGE_SIZE: '500',
      // Leaves 40 s of the 60 s timeout for the last page and the writes that follow.
      LOCKOUT_SCAN_TIME_BUDGET_MS: '20000',
      LOCKOUT_ALERT_TIME_ZONE: config.lockoutAlertTimeZone,
      LOCKOUT_ALERTS_PER_DAY: String(config.lockoutAlertsPerDay),
      PASSWORD_EXPIRY_REMINDER_DAYS: config.passwordExpiryReminderDays.join(','),
      PASSWORD_EXPIRY_REMINDER_SMS: String(config.passwordExpiryReminderSms),
      PASSWORD_EXPIRY_REMINDER_PUSH: String(config.passwordExpiryReminderPush),
      LOCKOUT_ALERT_SHOW_DC: String(config.lockoutAlertShowDc),
      MASS_LOCKOUT_THRESHOLD: String(config.massLockoutThreshold),
      MASS_LOCKOUT_THRESHOLD_PERCENT: String(config.massLockoutThresholdPercent),
      SMS_SENDS_PER_SECOND: String(config.smsSendsPerSecond),
      MASS_LOCKOUT_EVENT_MINUTES: String(config.massLockoutEventMinutes),
      // On the last delivery a failing reset tells the user before the job goes to the DLQ: the queue's own count.
      JOB_MAX_RECEIVE_COUNT: String(jobMaxReceiveCount(props.jobQueue)),
    };
    for (const [name, value] of Object.entries(environment)) this.worker.addEnvironment(name, value);

    // At most five concurrent workers: the DCs see a bounded number of binds however long the queue gets. Not
    // SqsEventSource: its grant lets the role use the queue key outside SQS (no kms:ViaService).
    this.worker.consumeQueue(props.jobQueue, { batchSize: 10, maxConcurrency: 5 });

    alarmOnAny(this, 'WorkerErrorAlarm', {
      description:
        'Blink: the directory worker failed (invocation errors). Check its logs; jobs are retried, then go to the DLQ.',
      metric: this.worker.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      alarmTopic: props.alarmTopic,
    });

    // Someone asked to reset or unlock an account Blink must not touch (protected, disabled…), or AD refused the reset.
    this.workerCountAlarm(
      'ResetRefused',
      'Blink: a reset or unlock was refused (protected, disabled, expired or unknown account, or AD refused the new password). The audit trail of the user has the reason.',
      props.alarmTopic,
    );
    // A DC had not received a new password when the worker stopped waiting (REPLICATION_CONFIRM_SECONDS): users signing
    // in there still meet the old password. One such reset may be a slow link; the alarm is on every one, as for refusals.
    this.workerCountAlarm(
      'ReplicationBehind',
      'Blink: a domain controller did not have a new password within replicationConfirmSeconds of the reset. Check AD replication (repadmin /showrepl); the user audit (password-replication) lists each DC.',
      props.alarmTopic,
    );

    // The mass-lockout alert is published by the worker itself (its text says how many and what to do); the alarm on
    // MassLockoutDetected is the second path, should the publish fail.
    this.worker.useOperatorAlerts(props.alarmTopic, 'ALARM_TOPIC_ARN');
    this.workerCountAlarm(
      'MassLockoutDetected',
      'Blink: a lockout scan found a mass lockout (possibly a password spray). Users are told at the SMS rate that IT knows; UNLOCK/RESET by SMS need a code. Find the source (npm run admin -- locked) before unlocking.',
      props.alarmTopic,
    );
    this.lockoutScanAlarms(config.lockoutScanRateMinutes, props.alarmTopic);
    this.passwordExpiryAlarms(props.alarmTopic);
    this.webPushSender = this.webPushSenderFunction(props);
  }

  /**
   * The web-push sender: outside the VPC (it reaches the push services directly, and nothing of the directory), it
   * consumes the web-push queue, reads the device item, signs with the VAPID key and removes gone subscriptions.
   */
  private webPushSenderFunction(props: DirectoryStackProps): BlinkFunction {
    const sender = new BlinkFunction(this, 'WebPushSender', {
      name: 'web-push-sender',
      description: 'Blink: posts the queued Web Pushes to the push services (outside the VPC)',
      timeout: TIMEOUTS.webPushSender,
      logRetention: props.config.logRetentionDays,
      removalPolicy: props.removalPolicy,
      version: props.version,
    })
      .useTable(props.table, 'readWrite', [])
      .useSecret('VAPID_SECRET_ARN', props.vapidSecret)
      .useWebPushSettings(props.config)
      // A slow push service holds a few senders, never more: pushes wait in the queue meanwhile.
      .consumeQueue(props.webPushQueue, { batchSize: 10, maxConcurrency: 5 });
    // The VAPID contact defaults to the sender address (no permission to send mail comes with it).
    sender.addEnvironment('EMAIL_FROM', props.email.from);
    sender.alarmOnErrors(props.alarmTopic, 'the web-push sender failed (invocation errors). Check its logs.');
    return sender;
  }

  /** An alarm (id `<metricName>Alarm`) on any count of one of the worker's metrics in 5 minutes. */
  private workerCountAlarm(metricName: string, description: string, alarmTopic: ITopic): void {
    alarmOnAny(this, `${metricName}Alarm`, {
      description,
      metric: workerMetric(metricName, Duration.minutes(5), 'Sum'),
      alarmTopic,
    });
  }

  /**
   * The password-expiry reminders' alarms (shared/use-cases/expiry-reminders): a run failed (no DC answered, or a
   * reminder could not be sent; the job is retried), or its read of AD ran out of time, so users past that point were
   * not reminded.
   */
  private passwordExpiryAlarms(alarmTopic: ITopic): void {
    const alarms = [
      [
        'PasswordExpiryScanFailed',
        'Blink: a password-expiry reminder run failed (no domain controller answered, or reminders could not be sent); the job is retried. Check the directory worker logs.',
      ],
      [
        'PasswordExpiryScanIncomplete',
        'Blink: a password-expiry reminder run could not read every user within its time budget; some users were not reminded. Raise PASSWORD_EXPIRY_SCAN_TIME_BUDGET_MS or check DC latency.',
      ],
    ] as const;
    for (const [metricName, description] of alarms) {
      alarmOnAny(this, `${metricName}Alarm`, {
        description,
        metric: workerMetric(metricName, Duration.hours(1), 'Sum'),
        alarmTopic,
      });
    }
  }

  /**
   * The lockout watch's alarms, on the metrics the scan emits (shared/use-cases/lockout): a scan failed (no DC answered,
   * or a user's alert could not be handled), a scan ran out of time before its last page, or no scan finished at all
   * for three schedule periods (schedule, queue or worker broken).
   */
  private lockoutScanAlarms(rateMinutes: number, alarmTopic: ITopic): void {
    const period = Duration.minutes(Math.max(5, rateMinutes));
    alarmOnAny(this, 'LockoutScanFailedAlarm', {
      description:
        'Blink: a lockout scan failed (no domain controller answered, or alerts could not be sent). Locked users may not have been told; the job is retried. Check the directory worker logs.',
      metric: workerMetric('LockoutScanFailed', period, 'Sum'),
      alarmTopic,
    });
    alarmOnAny(this, 'LockoutScanIncompleteAlarm', {
      description:
        'Blink: a lockout scan ran out of its time budget before the last page; some locked users were not looked at. Raise LOCKOUT_SCAN_TIME_BUDGET_MS or check DC latency.',
      metric: workerMetric('LockoutScanIncomplete', period, 'Sum'),
      alarmTopic,
    });
    new Alarm(this, 'LockoutScanMissingAlarm', {
      alarmDescription: `Blink: no lockout scan finished in ${Math.min(rateMinutes * 3, 1440)} minutes (schedule every ${rateMinutes} minute(s)). Check the schedule, the job queue and the directory worker.`,
      // Every finished scan reports how many accounts were locked (0 included): no data point means no scan.
      metric: workerMetric('LockoutAccountsLocked', Duration.minutes(Math.min(rateMinutes * 3, 1440)), 'SampleCount'),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.BREACHING,
    }).addAlarmAction(new SnsAction(alarmTopic));
  }

  /** An imported VPC (vpcId + subnetIds), or a small demo VPC with isolated subnets and flow logs. */
  private network(
    config: BlinkConfig,
    removalPolicy: RemovalPolicy,
  ): { vpc: IVpc; subnets: SubnetSelection; createdVpc?: Vpc } {
    if (config.vpcId && config.subnetIds) {
      // No lookup (synth stays offline): the security group needs only the VPC id, the function the subnet ids.
      const vpc = Vpc.fromVpcAttributes(this, 'Vpc', {
        vpcId: config.vpcId,
        availabilityZones: this.availabilityZones,
      });
      const subnets = config.subnetIds.map((subnetId) => Subnet.fromSubnetId(this, subnetId, subnetId));
      return { vpc, subnets: { subnets } };
    }
    const vpc = new Vpc(this, 'DemoVpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'worker', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      flowLogs: {
        all: {
          destination: FlowLogDestination.toCloudWatchLogs(
            new LogGroup(this, 'DemoVpcFlowLogs', { retention: config.logRetentionDays, removalPolicy }),
          ),
        },
      },
    });
    return { vpc, subnets: { subnetType: SubnetType.PRIVATE_ISOLATED }, createdVpc: vpc };
  }

  /** The demo VPC has no internet route: the worker reaches AWS through these endpoints only. */
  private privateAwsEndpoints(vpc: Vpc): void {
    vpc.addGatewayEndpoint('DynamoDbEndpoint', { service: GatewayVpcEndpointAwsService.DYNAMODB });
    const endpointSecurityGroup = new SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc,
      description: 'Blink VPC endpoints: HTTPS from the directory worker only',
      allowAllOutbound: false,
    });
    endpointSecurityGroup.addIngressRule(this.securityGroup, Port.tcp(443), 'HTTPS from the directory worker');
    const services = {
      SecretsManagerEndpoint: InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      SmsEndpoint: InterfaceVpcEndpointAwsService.PINPOINT_SMS_VOICE_V2,
      EmailEndpoint: InterfaceVpcEndpointAwsService.EMAIL,
      // Push notifications to the app (new password ready, lockout alerts).
      PushEndpoint: InterfaceVpcEndpointAwsService.SNS,
      // Continuation jobs of the password-expiry scan (the worker receives through Lambda's poller, not this endpoint).
      QueueEndpoint: InterfaceVpcEndpointAwsService.SQS,
    };
    // One AZ is enough for a demo and halves the hourly endpoint cost; the worker in the other AZ reaches it too.
    const [firstSubnet] = vpc.isolatedSubnets;
    for (const [id, service] of Object.entries(services)) {
      vpc.addInterfaceEndpoint(id, {
        service,
        subnets: { subnets: firstSubnet ? [firstSubnet] : [] },
        securityGroups: [endpointSecurityGroup],
        open: false,
        privateDnsEnabled: true,
      });
    }
    this.securityGroup.addEgressRule(endpointSecurityGroup, Port.tcp(443), 'HTTPS to the VPC endpoints');
  }
}

/** The job queue's maxReceiveCount (the worker's JOB_MAX_RECEIVE_COUNT must match it). */
function jobMaxReceiveCount(queue: Queue): number {
  const count = queue.deadLetterQueue?.maxReceiveCount;
  if (count === undefined) throw new Error('the job queue needs a dead-letter queue with a maxReceiveCount');
  return count;
}

const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * One of the metrics the directory worker emits. Powertools Metrics names the service (POWERTOOLS_SERVICE_NAME of
 * BlinkFunction) in the `service` dimension.
 */
function workerMetric(metricName: string, period: Duration, statistic: string): Metric {
  return new Metric({
    namespace: 'Blink',
    metricName,
    dimensionsMap: { service: 'blink-directory-worker' },
    period,
    statistic,
  });
}
