import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { SesEmailSender } from '../adapters/ses/email-sender.js';
import type { EnvOf } from '../config/env.js';
import type { Clock } from '../ports/clock.js';
import { DynamoAuditLog } from '../adapters/dynamodb/audit-log.js';
import { DynamoDeviceStore } from '../adapters/dynamodb/device-store.js';
import { DynamoEnrollmentRoster } from '../adapters/dynamodb/enrollment-roster.js';
import { DynamoEnrollmentStore } from '../adapters/dynamodb/enrollment-store.js';
import { createObservability } from '../observability/powertools.js';
import { createAdminApiHandler } from '../../functions/admin-api/handler.js';
import type { WorkerInvoker } from '../ports/directory-worker.js';

/** The environment sections the admin-api function reads (its Lambda root parses these; infra tests check them). */
export const adminApiEnvSections = ['service', 'table', 'adminApi', 'email', 'enrollment'] as const;
export type AdminApiEnv = EnvOf<(typeof adminApiEnvSections)[number]>;

/** What differs between the deployed and the local admin API. */
export interface AdminApiInputs {
  clients: { documentClient: DynamoDBDocumentClient; ses: SESv2Client };
  /** Deployed: a synchronous invocation of the worker Lambda (DIRECTORY_WORKER_FUNCTION); local: a function call. */
  worker: WorkerInvoker;
  clock: Clock;
  /** X-Ray tracing: on deployed, off locally (no daemon). */
  tracing: boolean;
}

/** The admin API: enrollment listing and revocation on the table, everything that needs AD through the worker. */
export function wireAdminApi(env: AdminApiEnv, inputs: AdminApiInputs) {
  const { documentClient, ses } = inputs.clients;
  const { clock } = inputs;
  const table = { tableName: env.TABLE_NAME };
  const roster = new DynamoEnrollmentRoster(documentClient, table);
  const observability = createObservability({ serviceName: env.POWERTOOLS_SERVICE_NAME, tracing: inputs.tracing });
  const handler = createAdminApiHandler({
    observability,
    worker: inputs.worker,
    enrollmentStore: new DynamoEnrollmentStore(documentClient, { ...table, now: () => clock.now() }),
    deviceStore: new DynamoDeviceStore(documentClient, table),
    listEnrolledUsers: () => roster.list(),
    auditLog: new DynamoAuditLog(documentClient, table),
    clock,
    emailSender: new SesEmailSender(ses, {
      from: env.EMAIL_FROM,
      ...(env.SES_CONFIGURATION_SET ? { configurationSetName: env.SES_CONFIGURATION_SET } : {}),
    }),
    notices: { productName: env.PRODUCT_NAME, supportContact: env.SUPPORT_CONTACT },
    logger: observability.logger,
  });
  return { handler };
}
