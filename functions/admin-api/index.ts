import { LambdaClient } from '@aws-sdk/client-lambda';
import { parseEnv } from '../../shared/config/env.js';
import { createObservability } from '../../shared/observability/powertools.js';
import { createDocumentClient } from '../../shared/composition/aws-clients.js';
import { DynamoEnrollmentStore } from '../../shared/adapters/dynamodb/enrollment-store.js';
import { DynamoDeviceStore } from '../../shared/adapters/dynamodb/device-store.js';
import { DynamoAuditLog } from '../../shared/adapters/dynamodb/audit-log.js';
import { DynamoEnrollmentRoster } from '../../shared/adapters/dynamodb/enrollment-listing.js';
import { SystemClock } from '../../shared/adapters/system/clock.js';
import { LambdaWorkerInvoker } from '../../shared/adapters/lambda/worker-invoker.js';
import { createAdminApiHandler } from './handler.js';

// Lambda composition root: configuration is parsed once per cold start and fails fast when incomplete.
const env = parseEnv(['service', 'table', 'adminApi']);
const clock = new SystemClock();
const documentClient = createDocumentClient();
const roster = new DynamoEnrollmentRoster(documentClient, { tableName: env.TABLE_NAME });

export const handler = createAdminApiHandler({
  observability: createObservability({ serviceName: env.POWERTOOLS_SERVICE_NAME, tracing: true }),
  // One attempt: a retried activation whose first answer was lost would email the same users twice.
  worker: new LambdaWorkerInvoker(new LambdaClient({ maxAttempts: 1 }), env.DIRECTORY_WORKER_FUNCTION),
  enrollmentStore: new DynamoEnrollmentStore(documentClient, { tableName: env.TABLE_NAME, now: () => clock.now() }),
  deviceStore: new DynamoDeviceStore(documentClient, { tableName: env.TABLE_NAME }),
  listEnrolledUsers: () => roster.list(),
  auditLog: new DynamoAuditLog(documentClient, { tableName: env.TABLE_NAME }),
  clock,
});
