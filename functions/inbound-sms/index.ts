import { ConfigurationError, parseEnv } from '../../shared/config/env.js';
import { createDocumentClient, createSecretsClient, createSmsVoiceClient, createSqsClient } from '../../shared/composition/aws-clients.js';
import { inboundSmsSettingsFrom } from '../../shared/composition/inbound-sms.js';
import { createSmsSender } from '../../shared/composition/sms.js';
import { DynamoAuditLog } from '../../shared/adapters/dynamodb/audit-log.js';
import { DynamoEnrollmentStore } from '../../shared/adapters/dynamodb/enrollment-store.js';
import { DynamoOnceKeys } from '../../shared/adapters/dynamodb/once-keys.js';
import { DynamoOptOutList } from '../../shared/adapters/dynamodb/opt-out-list.js';
import { DynamoRateLimiter } from '../../shared/adapters/dynamodb/rate-limiter.js';
import { SecretsManagerSecrets } from '../../shared/adapters/secrets/secrets-manager-secrets.js';
import { SqsJobQueue } from '../../shared/adapters/sqs/job-queue.js';
import { SystemClock } from '../../shared/adapters/system/clock.js';
import { createObservability } from '../../shared/observability/powertools.js';
import { createInboundSmsUseCase } from '../../shared/use-cases/inbound-sms/index.js';
import { createInboundSmsFailureUseCase } from '../../shared/use-cases/inbound-sms/failures.js';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { createInboundSmsFailureHandler, createInboundSmsHandler, dispatchInboundSmsEvent } from './handler.js';

// Lambda composition root: configuration is parsed once per cold start and fails fast when incomplete.
const env = parseEnv(['service', 'table', 'jobQueue', 'sms', 'secretArns', 'inboundSms', 'enrollment']);
if (!env.TOKEN_HMAC_SECRET_ARN) throw new ConfigurationError(['TOKEN_HMAC_SECRET_ARN: is required but not set']);

const observability = createObservability({ serviceName: env.POWERTOOLS_SERVICE_NAME, tracing: true });
const clock = new SystemClock();
const documentClient = createDocumentClient();

const enrollmentStore = new DynamoEnrollmentStore(documentClient, { tableName: env.TABLE_NAME, now: () => clock.now() });
const onceKeys = new DynamoOnceKeys(documentClient, { tableName: env.TABLE_NAME, clock });
const optOutList = new DynamoOptOutList(documentClient, { tableName: env.TABLE_NAME });
const auditLog = new DynamoAuditLog(documentClient, { tableName: env.TABLE_NAME });
const smsSender = createSmsSender(createSmsVoiceClient(), env);
const settings = inboundSmsSettingsFrom(env);

const notifications = createInboundSmsHandler({
  observability,
  handleMessage: createInboundSmsUseCase({
    enrollmentStore,
    onceKeys,
    optOutList,
    rateLimiter: new DynamoRateLimiter(documentClient, { tableName: env.TABLE_NAME, clock }),
    jobQueue: new SqsJobQueue(createSqsClient(), { queueUrl: env.JOB_QUEUE_URL }),
    smsSender,
    auditLog,
    secrets: new SecretsManagerSecrets(createSecretsClient(), { arns: { 'token-hmac-key': env.TOKEN_HMAC_SECRET_ARN } }),
    clock,
    logger: observability.logger,
    settings,
  }),
});

// Messages whose handling failed every attempt, from the failure queue's event source: the sender is told once.
const failures = createInboundSmsFailureHandler({
  observability,
  handleFailure: createInboundSmsFailureUseCase({
    enrollmentStore,
    onceKeys,
    optOutList,
    smsSender,
    auditLog,
    clock,
    logger: observability.logger,
    settings,
    onGaveUp: () => observability.metrics.addMetric('InboundSmsGaveUp', MetricUnit.Count, 1),
  }),
});

export const handler = dispatchInboundSmsEvent({ notifications, failures });
