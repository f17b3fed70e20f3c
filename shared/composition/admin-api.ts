import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoReportCounters } from '../adapters/dynamodb/report-counters.js';
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
import { ConfigurationError } from '../config/env.js';
import { DynamoPortalSessionStore } from '../adapters/dynamodb/portal-sessions.js';
import { OpenIdProvider } from '../adapters/oidc/openid-provider.js';
import { createPortalUseCases, type PortalDependencies } from '../use-cases/portal/index.js';
import { DynamoUserSearchIndex } from '../adapters/dynamodb/user-search-index.js';
import { DynamoUserRows } from '../adapters/dynamodb/user-rows.js';
import { DynamoOptOutList } from '../adapters/dynamodb/opt-out-list.js';
import { DynamoCallerVerificationStore } from '../adapters/dynamodb/caller-verifications.js';
import { SqsJobQueue } from '../adapters/sqs/job-queue.js';
import { DynamoRateLimiter } from '../adapters/dynamodb/rate-limiter.js';
import { createSmsSender } from './sms.js';
import type { Secrets } from '../ports/secrets.js';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { SNSClient } from '@aws-sdk/client-sns';
import { SnsTopicAlerts } from '../adapters/sns/topic-alerts.js';
import type { OperatorAlerts } from '../ports/operator-alerts.js';
import { QueuedWebPushSender } from '../adapters/sqs/queued-web-push-sender.js';

/** The environment sections the admin-api function reads (its Lambda root parses these; infra tests check them). */
export const adminApiEnvSections = ['service', 'table', 'adminApi', 'email', 'enrollment', 'portal'] as const;
export type AdminApiEnv = EnvOf<(typeof adminApiEnvSections)[number]>;
/** What the portal's help-desk actions read besides adminApiEnvSections (deployed with the portal on). */
export const adminApiPortalEnvSections = ['jobQueue', 'sms', 'enrollment', 'secretArns', 'webPushQueue'] as const;

/** What differs between the deployed and the local admin API. */
export interface AdminApiInputs {
  clients: { documentClient: DynamoDBDocumentClient; ses: SESv2Client };
  /** Deployed: a synchronous invocation of the worker Lambda (DIRECTORY_WORKER_FUNCTION); local: a function call. */
  worker: WorkerInvoker;
  clock: Clock;
  /** X-Ray tracing: on deployed, off locally (no daemon). */
  tracing: boolean;
  /**
   * What the portal's help-desk actions need besides the table (texting caller codes, queueing unlocks and resets,
   * the key that hashes codes). Only with PORTAL_OIDC_ISSUER; the IAM-only admin API does without.
   */
  helpDesk?: {
    env: EnvOf<'jobQueue' | 'sms' | 'enrollment'> & Partial<EnvOf<'secretArns'>> & Partial<EnvOf<'webPushQueue'>>;
    clients: { sqs: SQSClient; smsVoice: PinpointSMSVoiceV2Client; sns: SNSClient };
    secrets: Secrets;
  };
}

/** The admin API: enrollment listing and revocation on the table, everything that needs AD through the worker. */
export function wireAdminApi(env: AdminApiEnv, inputs: AdminApiInputs) {
  const { documentClient, ses } = inputs.clients;
  const { clock } = inputs;
  const table = { tableName: env.TABLE_NAME };
  const roster = new DynamoEnrollmentRoster(documentClient, table);
  const observability = createObservability({ serviceName: env.POWERTOOLS_SERVICE_NAME, tracing: inputs.tracing });
  const auditLog = new DynamoAuditLog(documentClient, table);
  const enrollmentStore = new DynamoEnrollmentStore(documentClient, { ...table, now: () => clock.now() });
  const deviceStore = new DynamoDeviceStore(documentClient, table);
  const emailSender = new SesEmailSender(ses, {
    from: env.EMAIL_FROM,
    ...(env.SES_CONFIGURATION_SET ? { configurationSetName: env.SES_CONFIGURATION_SET } : {}),
  });
  const portal = portalFrom(env, inputs.helpDesk, {
    clock,
    emailSender,
    supportContact: env.SUPPORT_CONTACT,
    auditLog,
    enrollmentStore,
    deviceStore,
    sessions: new DynamoPortalSessionStore(documentClient, table),
    userSearch: new DynamoUserSearchIndex(documentClient, table),
    userRows: new DynamoUserRows(documentClient, table),
    optOutList: new DynamoOptOutList(documentClient, table),
    callerVerifications: new DynamoCallerVerificationStore(documentClient, table),
    rateLimiter: new DynamoRateLimiter(documentClient, { ...table, clock }),
    worker: inputs.worker,
    reportCounters: new DynamoReportCounters(documentClient, table),
    logger: observability.logger,
  });
  const handler = createAdminApiHandler({
    observability,
    worker: inputs.worker,
    enrollmentStore,
    deviceStore,
    listEnrolledUsers: () => roster.list(),
    auditLog,
    clock,
    emailSender,
    notices: { productName: env.PRODUCT_NAME, supportContact: env.SUPPORT_CONTACT },
    logger: observability.logger,
    reportCounters: new DynamoReportCounters(documentClient, table),
    ...(portal ? { portal } : {}),
  });
  return { handler };
}

/** The portal's use cases when PORTAL_OIDC_ISSUER is set (then its base URL, client id and secret must be too). */
function portalFrom(
  env: AdminApiEnv,
  helpDesk: AdminApiInputs['helpDesk'],
  inputs: Omit<
    PortalDependencies,
    | 'identityProvider'
    | 'roleGroups'
    | 'limits'
    | 'activationTtlHours'
    | 'smsSender'
    | 'jobQueue'
    | 'secrets'
    | 'productName'
    | 'smsPricePerMessage'
    | 'alerts'
  >,
) {
  if (!env.PORTAL_OIDC_ISSUER) return undefined;
  if (!helpDesk)
    throw new ConfigurationError([
      'the portal (PORTAL_OIDC_ISSUER) needs the job queue, SMS and secrets settings of its help-desk actions',
    ]);
  const {
    PORTAL_BASE_URL: portalBaseUrl,
    PORTAL_OIDC_CLIENT_ID: clientId,
    PORTAL_OIDC_CLIENT_SECRET: clientSecret,
  } = env;
  // Deployed, the secret is read from Secrets Manager (PORTAL_OIDC_CLIENT_SECRET_ARN) on first use, never put in env.
  const secretFromStore =
    'PORTAL_OIDC_CLIENT_SECRET_ARN' in helpDesk.env && !!helpDesk.env.PORTAL_OIDC_CLIENT_SECRET_ARN;
  if (!portalBaseUrl || !clientId || (!clientSecret && !secretFromStore)) {
    throw new ConfigurationError([
      'PORTAL_BASE_URL, PORTAL_OIDC_CLIENT_ID and PORTAL_OIDC_CLIENT_SECRET (or _ARN) are required with PORTAL_OIDC_ISSUER',
    ]);
  }
  const useCases = createPortalUseCases({
    identityProvider: new OpenIdProvider({
      issuer: env.PORTAL_OIDC_ISSUER,
      clientId,
      clientSecret: clientSecret
        ? () => Promise.resolve(clientSecret)
        : () => helpDesk.secrets.get('portal-client-secret'),
      redirectUri: `${portalBaseUrl}/admin/portal/callback`,
      groupsClaim: env.PORTAL_OIDC_GROUPS_CLAIM,
      scopes: env.PORTAL_OIDC_SCOPES,
    }),
    ...inputs,
    smsSender: createSmsSender(helpDesk.clients.smsVoice, helpDesk.env, {
      counters: inputs.reportCounters,
      now: () => inputs.clock.now(),
    }),
    smsPricePerMessage: env.SMS_PRICE_PER_MESSAGE,
    jobQueue: new SqsJobQueue(helpDesk.clients.sqs, { queueUrl: helpDesk.env.JOB_QUEUE_URL }),
    secrets: helpDesk.secrets,
    alerts: operatorAlertsFrom(helpDesk.clients.sns, env.PORTAL_ALARM_TOPIC_ARN),
    // Caller approval requests reach the user's app by Web Push through the web-push queue and its sender, as the
    // worker's pushes do (one VAPID key holder); without the queue the app finds a request when it opens.
    ...(helpDesk.env.WEB_PUSH_QUEUE_URL
      ? { webPushSender: new QueuedWebPushSender(helpDesk.clients.sqs, { queueUrl: helpDesk.env.WEB_PUSH_QUEUE_URL }) }
      : {}),
    productName: helpDesk.env.PRODUCT_NAME,
    activationTtlHours: helpDesk.env.ACTIVATION_TTL_HOURS,
    roleGroups: { admin: env.PORTAL_ADMIN_GROUPS, technician: env.PORTAL_TECHNICIAN_GROUPS },
    limits: { idleSeconds: env.PORTAL_SESSION_IDLE_MINUTES * 60, absoluteSeconds: env.PORTAL_SESSION_MAX_HOURS * 3600 },
  });
  return { useCases, portalBaseUrl };
}

/** The alarm topic when configured; without one the emergency path refuses, since nobody would hear of it. */
function operatorAlertsFrom(sns: SNSClient, topicArn: string | undefined): OperatorAlerts {
  if (topicArn) return new SnsTopicAlerts(sns, topicArn);
  return {
    alert: () =>
      Promise.reject(new ConfigurationError(['PORTAL_ALARM_TOPIC_ARN: the emergency path needs the alarm topic'])),
  };
}
