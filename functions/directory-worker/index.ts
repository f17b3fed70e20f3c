import { readFileSync } from 'node:fs';
import { parseEnv, ConfigurationError } from '../../shared/config/env.js';
import { createObservability } from '../../shared/observability/powertools.js';
import {
  createDocumentClient,
  createSecretsClient,
  createSesClient,
  createSmsVoiceClient,
  createSnsClient,
} from '../../shared/composition/aws-clients.js';
import { SecretsManagerSecrets } from '../../shared/adapters/secrets/secrets-manager-secrets.js';
import { LdapDirectory } from '../../shared/adapters/ldap/ldap-directory.js';
import { createDirectoryJobHandlers } from '../../shared/use-cases/directory-jobs.js';
import { DynamoEnrollmentStore } from '../../shared/adapters/dynamodb/enrollment-store.js';
import { DynamoAuditLog } from '../../shared/adapters/dynamodb/audit-log.js';
import { DynamoEnrollmentRoster } from '../../shared/adapters/dynamodb/enrollment-listing.js';
import { SesEmailSender } from '../../shared/adapters/ses/email-sender.js';
import { SystemClock } from '../../shared/adapters/system/clock.js';
import { createAdminActivation } from '../../shared/use-cases/activation/activation.js';
import { DynamoDeviceStore } from '../../shared/adapters/dynamodb/device-store.js';
import { DynamoRateLimiter } from '../../shared/adapters/dynamodb/rate-limiter.js';
import { DynamoOnceKeys } from '../../shared/adapters/dynamodb/once-keys.js';
import { DynamoOptOutList } from '../../shared/adapters/dynamodb/opt-out-list.js';
import { DynamoLockoutAlertLog } from '../../shared/adapters/dynamodb/lockout-alert-log.js';
import { DynamoScanWatermarkStore } from '../../shared/adapters/dynamodb/scan-watermark-store.js';
import { SnsPushSender } from '../../shared/adapters/sns/push-sender.js';
import { createLockoutWatch } from '../../shared/use-cases/lockout/lockout-watch.js';
import { DynamoJobLedger } from '../../shared/adapters/dynamodb/job-ledger.js';
import { DynamoPasswordDelivery } from '../../shared/adapters/dynamodb/password-delivery.js';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { createAccountJobs } from '../../shared/use-cases/reset/account-jobs.js';
import { createDirectoryWorkerHandler } from './handler.js';
import { createDirectoryWorkerAdminHandler, dispatchWorkerEvent } from './admin.js';
import { resetSettingsFrom } from '../../shared/composition/reset.js';
import { createSmsSender } from '../../shared/composition/sms.js';

// Lambda composition root: configuration is parsed once per cold start and fails fast when incomplete. The LDAP
// connection is opened lazily by the first job and kept for the life of the instance.
const env = parseEnv(['service', 'table', 'directory', 'secretArns', 'lockoutScan', 'publicSite', 'email', 'enrollment', 'sms', 'lockoutAlert', 'reset']);
if (!env.DIRECTORY_BIND_SECRET_ARN) throw new ConfigurationError(['DIRECTORY_BIND_SECRET_ARN: is required but not set']);
if (!env.TOKEN_HMAC_SECRET_ARN) throw new ConfigurationError(['TOKEN_HMAC_SECRET_ARN: is required but not set']);

const observability = createObservability({ serviceName: env.POWERTOOLS_SERVICE_NAME, tracing: true });
const secrets = new SecretsManagerSecrets(createSecretsClient(), {
  arns: { 'directory-bind-password': env.DIRECTORY_BIND_SECRET_ARN, 'token-hmac-key': env.TOKEN_HMAC_SECRET_ARN },
});

const directory = new LdapDirectory({
  urls: env.LDAP_URLS,
  baseDn: env.LDAP_BASE_DN,
  bindDn: env.LDAP_BIND_DN,
  bindPassword: () => secrets.get('directory-bind-password'),
  caPem: readFileSync(env.LDAP_CA_FILE, 'utf8'),
  startTls: env.LDAP_STARTTLS,
  passwordPolicyHints: env.LDAP_PASSWORD_POLICY_HINTS,
  connectTimeoutMs: env.LDAP_CONNECT_TIMEOUT_MS,
  operationTimeoutMs: env.LDAP_OPERATION_TIMEOUT_MS,
});

const clock = new SystemClock();
const documentClient = createDocumentClient();
const table = { tableName: env.TABLE_NAME };

// One instance of each adapter (and one SDK client per service) for the whole function: the scan, the account jobs
// and the admin entry share them.
const adapters = {
  directory,
  clock,
  secrets,
  enrollmentStore: new DynamoEnrollmentStore(documentClient, { ...table, now: () => clock.now() }),
  deviceStore: new DynamoDeviceStore(documentClient, table),
  onceKeys: new DynamoOnceKeys(documentClient, { ...table, clock }),
  optOutList: new DynamoOptOutList(documentClient, table),
  rateLimiter: new DynamoRateLimiter(documentClient, { ...table, clock }),
  auditLog: new DynamoAuditLog(documentClient, table),
  smsSender: createSmsSender(createSmsVoiceClient(), env),
  emailSender: new SesEmailSender(createSesClient(), {
    from: env.EMAIL_FROM,
    ...(env.SES_CONFIGURATION_SET ? { configurationSetName: env.SES_CONFIGURATION_SET } : {}),
  }),
  pushSender: new SnsPushSender(createSnsClient()),
  logger: observability.logger,
};

// The lockout watch (issue 5): alerts from the scheduled scan, and the admin listing of locked users.
const lockoutWatch = createLockoutWatch({
  ...adapters,
  alertLog: new DynamoLockoutAlertLog(documentClient, { ...table, now: () => clock.now() }),
  scanWatermarks: new DynamoScanWatermarkStore(documentClient, table),
  metrics: observability.metrics,
  settings: {
    scan: { pageSize: env.LOCKOUT_SCAN_PAGE_SIZE, timeBudgetMs: env.LOCKOUT_SCAN_TIME_BUDGET_MS },
    watermarkMaxAgeSeconds: env.LOCKOUT_SCAN_WATERMARK_MAX_AGE_SECONDS,
    timeZone: env.LOCKOUT_ALERT_TIME_ZONE,
    alertsPerDay: env.LOCKOUT_ALERTS_PER_DAY,
    productName: env.PRODUCT_NAME,
  },
});

// Reset and unlock (issue 4). A claimed job is held for the function's timeout (infra/timeouts.ts: 60 s), so a run that
// died with the instance frees the job before SQS redelivers it (visibility timeout: six times as long).
const WORKER_TIMEOUT_SECONDS = 60;
const accountJobs = createAccountJobs({
  ...adapters,
  jobLedger: new DynamoJobLedger(documentClient, table),
  passwordDelivery: new DynamoPasswordDelivery(documentClient, { ...table, deviceStore: adapters.deviceStore }),
  // Alarmed in infra/stacks/directory-stack.ts (namespace Blink, dimension service).
  onRefused: () => observability.metrics.addMetric('ResetRefused', MetricUnit.Count, 1),
  settings: resetSettingsFrom(env, WORKER_TIMEOUT_SECONDS),
});

const jobsHandler = createDirectoryWorkerHandler({
  observability,
  jobs: createDirectoryJobHandlers({ directory, logger: observability.logger, lockoutWatch, accountJobs }),
});

// Direct invocations by the admin API (`{ "admin": … }`): activation needs AD, and only this function reaches it.
const adminHandler = createDirectoryWorkerAdminHandler({
  observability,
  lockout: lockoutWatch,
  activation: createAdminActivation({
    ...adapters,
    roster: new DynamoEnrollmentRoster(documentClient, table),
    settings: { publicBaseUrl: env.PUBLIC_BASE_URL, activationTtlHours: env.ACTIVATION_TTL_HOURS },
    branding: { productName: env.PRODUCT_NAME, supportContact: env.SUPPORT_CONTACT },
  }),
});

export const handler = dispatchWorkerEvent({ jobs: jobsHandler, admin: adminHandler });
