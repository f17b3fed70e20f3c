import { readFileSync } from 'node:fs';
import { parseEnv, ConfigurationError } from '../../shared/config/env.js';
import { createObservability } from '../../shared/observability/powertools.js';
import { createSecretsClient } from '../../shared/composition/aws-clients.js';
import { SecretsManagerSecrets } from '../../shared/adapters/secrets/secrets-manager-secrets.js';
import { LdapDirectory } from '../../shared/adapters/ldap/ldap-directory.js';
import { createDirectoryJobHandlers } from '../../shared/use-cases/directory-jobs.js';
import { createDirectoryWorkerHandler } from './handler.js';

// Lambda composition root: configuration is parsed once per cold start and fails fast when incomplete. The LDAP
// connection is opened lazily by the first job and kept for the life of the instance.
const env = parseEnv(['service', 'table', 'directory', 'secretArns', 'lockoutScan']);
if (!env.DIRECTORY_BIND_SECRET_ARN) throw new ConfigurationError(['DIRECTORY_BIND_SECRET_ARN: is required but not set']);

const observability = createObservability({ serviceName: env.POWERTOOLS_SERVICE_NAME, tracing: true });
const secrets = new SecretsManagerSecrets(createSecretsClient(), {
  arns: { 'directory-bind-password': env.DIRECTORY_BIND_SECRET_ARN },
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

export const handler = createDirectoryWorkerHandler({
  observability,
  jobs: createDirectoryJobHandlers({
    directory,
    logger: observability.logger,
    scan: { pageSize: env.LOCKOUT_SCAN_PAGE_SIZE, timeBudgetMs: env.LOCKOUT_SCAN_TIME_BUDGET_MS },
  }),
});
