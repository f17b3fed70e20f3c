import { readFileSync } from 'node:fs';
import { parseEnv, ConfigurationError } from '../../shared/config/env.js';
import { createObservability } from '../../shared/observability/powertools.js';
import { createDocumentClient, createSecretsClient, createSesClient } from '../../shared/composition/aws-clients.js';
import { SecretsManagerSecrets } from '../../shared/adapters/secrets/secrets-manager-secrets.js';
import { LdapDirectory } from '../../shared/adapters/ldap/ldap-directory.js';
import { createDirectoryJobHandlers } from '../../shared/use-cases/directory-jobs.js';
import { DynamoEnrollmentStore } from '../../shared/adapters/dynamodb/enrollment-store.js';
import { DynamoAuditLog } from '../../shared/adapters/dynamodb/audit-log.js';
import { DynamoEnrollmentRoster } from '../../shared/adapters/dynamodb/enrollment-listing.js';
import { SesEmailSender } from '../../shared/adapters/ses/email-sender.js';
import { SystemClock } from '../../shared/adapters/system/clock.js';
import { createAdminActivation } from '../../shared/use-cases/activation/activation.js';
import { createDirectoryWorkerHandler } from './handler.js';
import { createDirectoryWorkerAdminHandler, dispatchWorkerEvent } from './admin.js';

// Lambda composition root: configuration is parsed once per cold start and fails fast when incomplete. The LDAP
// connection is opened lazily by the first job and kept for the life of the instance.
const env = parseEnv(['service', 'table', 'directory', 'secretArns', 'lockoutScan', 'publicSite', 'email', 'enrollment']);
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
  connectTimeoutMs: env.LDAP_CONNECT_TIMEOUT_MS,
  operationTimeoutMs: env.LDAP_OPERATION_TIMEOUT_MS,
});

const clock = new SystemClock();
const documentClient = createDocumentClient();

const jobsHandler = createDirectoryWorkerHandler({
  observability,
  jobs: createDirectoryJobHandlers({
    directory,
    logger: observability.logger,
    scan: { pageSize: env.LOCKOUT_SCAN_PAGE_SIZE, timeBudgetMs: env.LOCKOUT_SCAN_TIME_BUDGET_MS },
  }),
});

// Direct invocations by the admin API (`{ "admin": … }`): activation needs AD, and only this function reaches it.
const adminHandler = createDirectoryWorkerAdminHandler({
  observability,
  activation: createAdminActivation({
    directory,
    clock,
    secrets,
    enrollmentStore: new DynamoEnrollmentStore(documentClient, { tableName: env.TABLE_NAME, now: () => clock.now() }),
    roster: new DynamoEnrollmentRoster(documentClient, { tableName: env.TABLE_NAME }),
    auditLog: new DynamoAuditLog(documentClient, { tableName: env.TABLE_NAME }),
    emailSender: new SesEmailSender(createSesClient(), {
      from: env.EMAIL_FROM,
      ...(env.SES_CONFIGURATION_SET ? { configurationSetName: env.SES_CONFIGURATION_SET } : {}),
    }),
    logger: observability.logger,
    settings: { publicBaseUrl: env.PUBLIC_BASE_URL, activationTtlHours: env.ACTIVATION_TTL_HOURS },
    branding: { productName: env.PRODUCT_NAME, supportContact: env.SUPPORT_CONTACT },
  }),
});

export const handler = dispatchWorkerEvent({ jobs: jobsHandler, admin: adminHandler });
