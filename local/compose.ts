import { readFile } from 'node:fs/promises';
import {
  createDocumentClient,
  createSesClient,
  createSmsVoiceClient,
  createSqsClient,
  type ClientTarget,
} from '../shared/composition/aws-clients.js';
import { parseEnv } from '../shared/config/env.js';
import { createObservability } from '../shared/observability/powertools.js';
import { createBlinkTable } from '../shared/adapters/dynamodb/table.js';
import { DynamoEnrollmentStore } from '../shared/adapters/dynamodb/enrollment-store.js';
import { DynamoRateLimiter } from '../shared/adapters/dynamodb/rate-limiter.js';
import { DynamoAuditLog } from '../shared/adapters/dynamodb/audit-log.js';
import { DynamoPasswordDelivery } from '../shared/adapters/dynamodb/password-delivery.js';
import { createAppRequestUseCases } from '../shared/use-cases/app-requests.js';
import { SqsJobQueue } from '../shared/adapters/sqs/job-queue.js';
import { SesEmailSender } from '../shared/adapters/ses/email-sender.js';
import { RecordingPushSender } from '../shared/adapters/sns/recording-push-sender.js';
import { RecordingPushEndpoints } from '../shared/adapters/sns/recording-push-endpoints.js';
import { StaticSecrets } from '../shared/adapters/secrets/static-secrets.js';
import { SystemClock } from '../shared/adapters/system/clock.js';
import { LdapDirectory } from '../shared/adapters/ldap/index.js';
import { createApiHandler } from '../functions/api/handler.js';
import { pageRoutes } from '../functions/api/routes/pages.js';
import { setupRoutes } from '../functions/api/routes/setup.js';
import { deviceRoutes } from '../functions/api/routes/device.js';
import { DynamoDeviceStore as EnrollmentDeviceStore } from '../shared/adapters/dynamodb/device-store.js';
import { createDeviceUseCases, createSetupUseCases } from '../shared/use-cases/enrollment/index.js';
import type { Clock } from '../shared/ports/clock.js';
import { createInboundSmsFailureHandler, createInboundSmsHandler, dispatchInboundSmsEvent } from '../functions/inbound-sms/handler.js';
import { createInboundSmsFailureUseCase } from '../shared/use-cases/inbound-sms/failures.js';
import { failureQueueBatch } from './stand-ins/lambda-failure-record.js';
import { createDirectoryWorkerHandler } from '../functions/directory-worker/handler.js';
import { createDirectoryWorkerAdminHandler } from '../functions/directory-worker/admin.js';
import { createAdminApiHandler } from '../functions/admin-api/handler.js';
import { DynamoEnrollmentRoster } from '../shared/adapters/dynamodb/enrollment-listing.js';
import { createAdminActivation } from '../shared/use-cases/activation/activation.js';
import { createLambdaContext } from './lambda-context.js';
import type { InboundSms } from '../shared/domain/inbound-sms.js';
import { createDirectoryJobHandlers } from '../shared/use-cases/directory-jobs.js';
import { createLockoutWatch } from '../shared/use-cases/lockout/lockout-watch.js';
import { DynamoLockoutAlertLog } from '../shared/adapters/dynamodb/lockout-alert-log.js';
import { DynamoScanWatermarkStore } from '../shared/adapters/dynamodb/scan-watermark-store.js';
import { createInboundSmsUseCase } from '../shared/use-cases/inbound-sms/index.js';
import { createHttpsGet, type HttpsGet } from '../shared/adapters/sns/message-verifier.js';
import { snsHttpsRoutes } from '../functions/api/routes/sns.js';
import { inboundSmsSettingsFrom } from '../shared/composition/inbound-sms.js';
import { DynamoOnceKeys } from '../shared/adapters/dynamodb/once-keys.js';
import { DynamoOptOutList } from '../shared/adapters/dynamodb/opt-out-list.js';
import { createJobQueue } from './stand-ins/sqs.js';
import { DynamoJobLedger } from '../shared/adapters/dynamodb/job-ledger.js';
import { createAccountJobs } from '../shared/use-cases/reset/account-jobs.js';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { enrollmentSettingsFrom } from '../shared/composition/enrollment.js';
import { resetSettingsFrom } from '../shared/composition/reset.js';
import { createSmsSender } from '../shared/composition/sms.js';
import { svgQrCodeRenderer } from '../shared/adapters/qr/svg-qr-code.js';

/** Where the in-process stand-ins listen. */
export interface StandInEndpoints {
  dynamodb: string;
  sqs: string;
  ses: string;
  sms: string;
}

/** The directory the worker talks to: the demo directory, or a real AD / Samba DC. */
export interface DirectorySettings {
  /** One URL or a comma list (ldaps://…, or ldap://… with startTls). */
  urls: string;
  baseDn: string;
  bindDn: string;
  bindPassword: string;
  /** Path of the PEM bundle of the CA that signed the DCs' certificates. */
  caFile: string;
  startTls: boolean;
}

export interface ComposeOptions {
  endpoints: StandInEndpoints;
  directory: DirectorySettings;
  publicBaseUrl: string;
  version: string;
  emailFrom: string;
  smsOriginationIdentities: string;
  smsInboundNumbers: string;
  tokenHmacKey: string;
  /** Enrollment settings as the Lambdas read them (PRODUCT_NAME, SUPPORT_CONTACT, ACTIVATION_TTL_HOURS…); defaults when unset. */
  enrollmentEnv?: Record<string, string | undefined>;
  queue: { name: string; visibilityTimeoutSeconds: number; maxReceiveCount: number };
  tableName: string;
  /** Time source of every adapter and use case (tests pass a manual clock); the system clock by default. */
  clock?: Clock;
  /** Called after the inbound-SMS use case handled a message (the console lists them). */
  onInboundSms?: (message: InboundSms) => void;
  /** HTTPS GET of the SNS HTTPS route (certificates, SubscribeURL); a real TLS-verified fetch by default. */
  fetchHttps?: HttpsGet;
}

/** AWS SDK clients point at a stand-in with dummy credentials: the only difference from the deployed clients. */
export function localTarget(endpoint: string): ClientTarget {
  return { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
}

/**
 * The local composition root. It provisions what CDK creates when deployed (the table, the job queue and its DLQ),
 * then builds the same adapters and the same handler factories as the Lambda entry points. Only the endpoints differ.
 */
export async function composeLocalBlink(options: ComposeOptions) {
  const sqsClient = createSqsClient(localTarget(options.endpoints.sqs));
  const documentClient = createDocumentClient(localTarget(options.endpoints.dynamodb));
  await createBlinkTable(documentClient, options.tableName);
  const queue = await createJobQueue(sqsClient, {
    queueName: options.queue.name,
    visibilityTimeoutSeconds: options.queue.visibilityTimeoutSeconds,
    maxReceiveCount: options.queue.maxReceiveCount,
  });

  // The handlers' configuration goes through the one shared schema, as in the Lambdas.
  const env = parseEnv(['service', 'table', 'jobQueue', 'publicSite', 'email', 'sms', 'directory', 'lockoutScan', 'enrollment', 'reset', 'inboundSms', 'lockoutAlert', 'snsHttps'], {
    ...options.enrollmentEnv,
    POWERTOOLS_SERVICE_NAME: 'blink',
    BLINK_VERSION: options.version,
    TABLE_NAME: options.tableName,
    JOB_QUEUE_URL: queue.queueUrl,
    // As deployed: the worker's JOB_MAX_RECEIVE_COUNT is the queue's maxReceiveCount.
    JOB_MAX_RECEIVE_COUNT: String(options.queue.maxReceiveCount),
    PUBLIC_BASE_URL: options.publicBaseUrl,
    EMAIL_FROM: options.emailFrom,
    SMS_ORIGINATION_IDENTITIES: options.smsOriginationIdentities,
    SMS_INBOUND_NUMBERS: options.smsInboundNumbers,
    LDAP_URLS: options.directory.urls,
    LDAP_BASE_DN: options.directory.baseDn,
    LDAP_BIND_DN: options.directory.bindDn,
    LDAP_STARTTLS: String(options.directory.startTls),
    LDAP_CA_FILE: options.directory.caFile,
  });

  const clock: Clock = options.clock ?? new SystemClock();
  const secrets = new StaticSecrets({
    'token-hmac-key': options.tokenHmacKey,
    'directory-bind-password': options.directory.bindPassword,
  });
  const directory = new LdapDirectory({
    urls: env.LDAP_URLS,
    baseDn: env.LDAP_BASE_DN,
    bindDn: env.LDAP_BIND_DN,
    bindPassword: () => secrets.get('directory-bind-password'),
    caPem: await readFile(env.LDAP_CA_FILE, 'utf8'),
    startTls: env.LDAP_STARTTLS,
    passwordPolicyHints: env.LDAP_PASSWORD_POLICY_HINTS,
    connectTimeoutMs: env.LDAP_CONNECT_TIMEOUT_MS,
    operationTimeoutMs: env.LDAP_OPERATION_TIMEOUT_MS,
  });
  const deviceStore = new EnrollmentDeviceStore(documentClient, { tableName: env.TABLE_NAME });
  const adapters = {
    clock,
    secrets,
    directory,
    enrollmentStore: new DynamoEnrollmentStore(documentClient, { tableName: env.TABLE_NAME, now: () => clock.now() }),
    rateLimiter: new DynamoRateLimiter(documentClient, { tableName: env.TABLE_NAME, clock }),
    auditLog: new DynamoAuditLog(documentClient, { tableName: env.TABLE_NAME }),
    onceKeys: new DynamoOnceKeys(documentClient, { tableName: env.TABLE_NAME, clock }),
    optOutList: new DynamoOptOutList(documentClient, { tableName: env.TABLE_NAME }),
    deviceStore,
    passwordDelivery: new DynamoPasswordDelivery(documentClient, { tableName: env.TABLE_NAME, deviceStore }),
    jobQueue: new SqsJobQueue(sqsClient, { queueUrl: env.JOB_QUEUE_URL }),
    emailSender: new SesEmailSender(createSesClient(localTarget(options.endpoints.ses)), {
      from: env.EMAIL_FROM,
      ...(env.SES_CONFIGURATION_SET ? { configurationSetName: env.SES_CONFIGURATION_SET } : {}),
    }),
    // As deployed: every send checks the opt-out list (the stand-in's is named Default, as AWS's first one).
    smsSender: createSmsSender(createSmsVoiceClient(localTarget(options.endpoints.sms)), env),
    pushSender: new RecordingPushSender(),
  };

  // One set of Powertools instances per function, as each Lambda has its own. No X-Ray daemon locally.
  const observe = () => createObservability({ serviceName: env.POWERTOOLS_SERVICE_NAME, tracing: false });
  const apiObservability = observe();
  const inboundObservability = observe();
  const workerObservability = observe();
  const adminObservability = observe();

  // The same use cases as the Lambdas; locally the console is also told which messages the use case handled.
  const inboundSmsUseCase = createInboundSmsUseCase({ ...adapters, logger: inboundObservability.logger, settings: inboundSmsSettingsFrom(env) });
  const enrollmentDependencies = {
    ...adapters,
    // Registering apps get SNS-shaped endpoint ARNs made from their tokens, as deployed (pushes then recorded).
    pushEndpoints: new RecordingPushEndpoints(),
    logger: apiObservability.logger,
    settings: enrollmentSettingsFrom(env),
    qrCode: svgQrCodeRenderer,
  };
  const enrollmentRoutes = [
    ...setupRoutes(createSetupUseCases(enrollmentDependencies)),
    ...deviceRoutes(
      createDeviceUseCases(enrollmentDependencies),
      createAppRequestUseCases({
        ...adapters,
        logger: apiObservability.logger,
        settings: { resetsPerHour: env.RESETS_PER_HOUR, resetsPerDay: env.RESETS_PER_DAY, appResultTtlSeconds: env.APP_RESULT_TTL_SECONDS },
      }),
    ),
  ];
  // The lockout watch: alerts from the scheduled scan (pushes land in the RecordingPushSender, shown at /_local).
  const lockoutWatch = createLockoutWatch({
    directory,
    clock,
    enrollmentStore: adapters.enrollmentStore,
    deviceStore: adapters.deviceStore,
    rateLimiter: adapters.rateLimiter,
    auditLog: adapters.auditLog,
    smsSender: adapters.smsSender,
    pushSender: adapters.pushSender,
    onceKeys: adapters.onceKeys,
    optOutList: adapters.optOutList,
    alertLog: new DynamoLockoutAlertLog(documentClient, { tableName: env.TABLE_NAME, now: () => clock.now() }),
    scanWatermarks: new DynamoScanWatermarkStore(documentClient, { tableName: env.TABLE_NAME }),
    logger: workerObservability.logger,
    metrics: workerObservability.metrics,
    settings: {
      scan: { pageSize: env.LOCKOUT_SCAN_PAGE_SIZE, timeBudgetMs: env.LOCKOUT_SCAN_TIME_BUDGET_MS },
      watermarkMaxAgeSeconds: env.LOCKOUT_SCAN_WATERMARK_MAX_AGE_SECONDS,
      timeZone: env.LOCKOUT_ALERT_TIME_ZONE,
      alertsPerDay: env.LOCKOUT_ALERTS_PER_DAY,
      productName: env.PRODUCT_NAME,
    },
  });
  const handleInboundSms = async (message: InboundSms) => {
    await inboundSmsUseCase(message);
    options.onInboundSms?.(message);
  };
  // POST /sns/inbound-sms, only when SNS_HTTPS_TOPIC_ARNS is set (as deployed); the same use case as the topic's Lambda.
  const snsRoutes = snsHttpsRoutes({
    topicArns: env.SNS_HTTPS_TOPIC_ARNS,
    fetchText: options.fetchHttps ?? createHttpsGet({ timeoutMs: 5_000, maxBytes: 64 * 1024 }),
    clock,
    logger: apiObservability.logger,
    handleInboundSms: (message) => handleInboundSms(message),
  });
  const handlers = {
    api: createApiHandler({ observability: apiObservability, version: env.BLINK_VERSION, routes: [...pageRoutes(), ...enrollmentRoutes, ...snsRoutes] }),
    // As deployed: one function for the topic's notifications and for the batches of its failure queue.
    inboundSms: dispatchInboundSmsEvent({
      notifications: createInboundSmsHandler({ observability: inboundObservability, handleMessage: handleInboundSms }),
      failures: createInboundSmsFailureHandler({
        observability: inboundObservability,
        handleFailure: createInboundSmsFailureUseCase({
          ...adapters,
          logger: inboundObservability.logger,
          settings: inboundSmsSettingsFrom(env),
          onGaveUp: () => inboundObservability.metrics.addMetric('InboundSmsGaveUp', MetricUnit.Count, 1),
        }),
      }),
    }),
    directoryWorker: createDirectoryWorkerHandler({
      observability: workerObservability,
      jobs: createDirectoryJobHandlers({
        directory,
        logger: workerObservability.logger,
        lockoutWatch,
        accountJobs: createAccountJobs({
          ...adapters,
          jobLedger: new DynamoJobLedger(documentClient, { tableName: env.TABLE_NAME }),
          logger: workerObservability.logger,
          onRefused: () => workerObservability.metrics.addMetric('ResetRefused', MetricUnit.Count, 1),
          // The worker Lambda's timeout (infra/timeouts.ts), as in functions/directory-worker/index.ts.
          settings: resetSettingsFrom(env, 60),
        }),
      }),
    }),
  };

  // Admin: the worker's admin entry, called in process where the deployed admin API invokes the worker Lambda.
  const roster = new DynamoEnrollmentRoster(documentClient, { tableName: env.TABLE_NAME });
  const workerAdmin = createDirectoryWorkerAdminHandler({
    observability: workerObservability,
    lockout: lockoutWatch,
    activation: createAdminActivation({
      directory,
      clock,
      secrets,
      enrollmentStore: adapters.enrollmentStore,
      roster,
      auditLog: adapters.auditLog,
      emailSender: adapters.emailSender,
      logger: workerObservability.logger,
      settings: { publicBaseUrl: env.PUBLIC_BASE_URL, activationTtlHours: env.ACTIVATION_TTL_HOURS },
      branding: { productName: env.PRODUCT_NAME, supportContact: env.SUPPORT_CONTACT },
    }),
  });
  const adminHandlers = {
    workerAdmin,
    adminApi: createAdminApiHandler({
      observability: adminObservability,
      worker: { invoke: (request) => workerAdmin({ admin: request }, createLambdaContext('blink-directory-worker', 60_000)) },
      enrollmentStore: adapters.enrollmentStore,
      deviceStore: adapters.deviceStore,
      listEnrolledUsers: () => roster.list(),
      auditLog: adapters.auditLog,
      clock,
    }),
  };

  return {
    env,
    queue,
    sqsClient,
    adapters,
    handlers,
    lockoutWatch,
    adminHandlers,
    /**
     * No SNS retries locally: feeds failure records (local/stand-ins/lambda-failure-record.ts) to the inbound-sms
     * handler as its failure queue's event source would, and answers which records failed (they would be retried).
     */
    deliverInboundSmsFailures: (records: string[], receiveCount = 1) =>
      handlers.inboundSms(failureQueueBatch(records, receiveCount), createLambdaContext('blink-inbound-sms', 15_000)),
    async close() {
      await directory.close();
      sqsClient.destroy();
      documentClient.destroy();
    },
  };
}

export type LocalComposition = Awaited<ReturnType<typeof composeLocalBlink>>;
