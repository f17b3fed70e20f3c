import { ConfigurationError, parseEnv } from '../../shared/config/env.js';
import { createDocumentClient, createSecretsClient, createSesClient, createSmsVoiceClient, createSnsClient, createSqsClient } from '../../shared/composition/aws-clients.js';
import { SnsPushEndpoints } from '../../shared/adapters/sns/push-endpoints.js';
import { DynamoAuditLog } from '../../shared/adapters/dynamodb/audit-log.js';
import { DynamoDeviceStore } from '../../shared/adapters/dynamodb/device-store.js';
import { DynamoEnrollmentStore } from '../../shared/adapters/dynamodb/enrollment-store.js';
import { DynamoRateLimiter } from '../../shared/adapters/dynamodb/rate-limiter.js';
import { DynamoAppResults } from '../../shared/adapters/dynamodb/app-results.js';
import { SqsJobQueue } from '../../shared/adapters/sqs/job-queue.js';
import { createAppRequestUseCases } from '../../shared/use-cases/app-requests.js';
import { SecretsManagerSecrets } from '../../shared/adapters/secrets/secrets-manager-secrets.js';
import { SesEmailSender } from '../../shared/adapters/ses/email-sender.js';
import { SystemClock } from '../../shared/adapters/system/clock.js';
import { createDeviceUseCases, createSetupUseCases, type EnrollmentDependencies } from '../../shared/use-cases/enrollment/index.js';
import { deviceRoutes } from './routes/device.js';
import { setupRoutes } from './routes/setup.js';
import { createObservability } from '../../shared/observability/powertools.js';
import { createApiHandler } from './handler.js';
import { pageRoutes } from './routes/pages.js';
import { enrollmentSettingsFrom } from '../../shared/composition/enrollment.js';
import { DynamoOnceKeys } from '../../shared/adapters/dynamodb/once-keys.js';
import { DynamoOptOutList } from '../../shared/adapters/dynamodb/opt-out-list.js';
import { createHttpsGet } from '../../shared/adapters/sns/message-verifier.js';
import { inboundSmsSettingsFrom } from '../../shared/composition/inbound-sms.js';
import { createSmsSender } from '../../shared/composition/sms.js';
import { createInboundSmsUseCase } from '../../shared/use-cases/inbound-sms/index.js';
import { snsHttpsRoutes } from './routes/sns.js';
import { svgQrCodeRenderer } from '../../shared/adapters/qr/svg-qr-code.js';

// Lambda composition root: configuration is parsed once per cold start and fails fast when incomplete.
const env = parseEnv(['service', 'table', 'jobQueue', 'publicSite', 'email', 'sms', 'secretArns', 'enrollment', 'reset', 'inboundSms', 'snsHttps', 'push']);
if (!env.TOKEN_HMAC_SECRET_ARN) throw new ConfigurationError(['TOKEN_HMAC_SECRET_ARN: is required but not set']);

const observability = createObservability({ serviceName: env.POWERTOOLS_SERVICE_NAME, tracing: true });
const clock = new SystemClock();
const documentClient = createDocumentClient();
const enrollment: EnrollmentDependencies = {
  clock,
  secrets: new SecretsManagerSecrets(createSecretsClient(), { arns: { 'token-hmac-key': env.TOKEN_HMAC_SECRET_ARN } }),
  enrollmentStore: new DynamoEnrollmentStore(documentClient, { tableName: env.TABLE_NAME, now: () => clock.now() }),
  deviceStore: new DynamoDeviceStore(documentClient, { tableName: env.TABLE_NAME }),
  rateLimiter: new DynamoRateLimiter(documentClient, { tableName: env.TABLE_NAME, clock }),
  auditLog: new DynamoAuditLog(documentClient, { tableName: env.TABLE_NAME }),
  emailSender: new SesEmailSender(createSesClient(), {
    from: env.EMAIL_FROM,
    ...(env.SES_CONFIGURATION_SET ? { configurationSetName: env.SES_CONFIGURATION_SET } : {}),
  }),
  smsSender: createSmsSender(createSmsVoiceClient(), env),
  optOutList: new DynamoOptOutList(documentClient, { tableName: env.TABLE_NAME }),
  logger: observability.logger,
  // Registering apps send a token; the endpoint is made here, on the configured platform applications only.
  pushEndpoints: new SnsPushEndpoints(createSnsClient(), {
    ...(env.PUSH_APNS_PLATFORM_APPLICATION_ARN ? { ios: env.PUSH_APNS_PLATFORM_APPLICATION_ARN } : {}),
    ...(env.PUSH_FCM_PLATFORM_APPLICATION_ARN ? { android: env.PUSH_FCM_PLATFORM_APPLICATION_ARN } : {}),
  }),
  settings: enrollmentSettingsFrom(env),
  qrCode: svgQrCodeRenderer,
};

// App reset/unlock requests: the api function opens the answer slot and queues the job; the worker answers it.
const appRequests = createAppRequestUseCases({
  passwordDelivery: new DynamoAppResults(documentClient, { tableName: env.TABLE_NAME }),
  jobQueue: new SqsJobQueue(createSqsClient(), { queueUrl: env.JOB_QUEUE_URL }),
  rateLimiter: enrollment.rateLimiter,
  auditLog: enrollment.auditLog,
  clock,
  logger: observability.logger,
  settings: { resetsPerHour: env.RESETS_PER_HOUR, resetsPerDay: env.RESETS_PER_DAY, appResultTtlSeconds: env.APP_RESULT_TTL_SECONDS },
});

// SNS deliveries over HTTPS (only when SNS_HTTPS_TOPIC_ARNS is set): the same inbound SMS use case as the inbound-sms function.
const snsRoutes = env.SNS_HTTPS_TOPIC_ARNS
  ? snsHttpsRoutes({
      topicArns: env.SNS_HTTPS_TOPIC_ARNS,
      fetchText: createHttpsGet({ timeoutMs: 5_000, maxBytes: 64 * 1024 }),
      clock,
      logger: observability.logger,
      handleInboundSms: createInboundSmsUseCase({
        ...enrollment,
        onceKeys: new DynamoOnceKeys(documentClient, { tableName: env.TABLE_NAME, clock }),
        jobQueue: new SqsJobQueue(createSqsClient(), { queueUrl: env.JOB_QUEUE_URL }),
        logger: observability.logger,
        settings: inboundSmsSettingsFrom(env),
      }),
    })
  : [];

export const handler = createApiHandler({
  observability,
  version: env.BLINK_VERSION,
  routes: [...pageRoutes(), ...setupRoutes(createSetupUseCases(enrollment)), ...deviceRoutes(createDeviceUseCases(enrollment), appRequests), ...snsRoutes],
});
