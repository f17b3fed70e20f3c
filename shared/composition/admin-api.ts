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
import { ConfigurationError } from '../config/env.js';
import { DynamoPortalSessionStore } from '../adapters/dynamodb/portal-sessions.js';
import { OpenIdProvider } from '../adapters/oidc/openid-provider.js';
import { createPortalUseCases, type PortalDependencies } from '../use-cases/portal/index.js';
import { DynamoUserSearchIndex } from '../adapters/dynamodb/user-search-index.js';
import { DynamoOptOutList } from '../adapters/dynamodb/opt-out-list.js';
import { DynamoCallerVerificationStore } from '../adapters/dynamodb/caller-verifications.js';
import { SqsJobQueue } from '../adapters/sqs/job-queue.js';
import { DynamoRateLimiter } from '../adapters/dynamodb/rate-limiter.js';
import { createSmsSender } from './sms.js';
import type { Secrets } from '../ports/secrets.js';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { Agent } from 'node:https';
import { LibraryWebPushSender } from '../adapters/web-push/web-push-sender.js';
import { DEFAULT_WEB_PUSH_HOSTS } from '../domain/web-push.js';

/** The environment sections the admin-api function reads (its Lambda root parses these; infra tests check them). */
export const adminApiEnvSections = ['service', 'table', 'adminApi', 'email', 'enrollment', 'portal'] as const;
export type AdminApiEnv = EnvOf<(typeof adminApiEnvSections)[number]>;

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
    env: EnvOf<'jobQueue' | 'sms' | 'enrollment'> & Partial<EnvOf<'webPush'>>;
    clients: { sqs: SQSClient; smsVoice: PinpointSMSVoiceV2Client };
    secrets: Secrets;
    /**
     * Web Push of caller approval requests to the user's app, signed with the VAPID key pair in `secrets` (only when
     * that secret is configured); without it the app finds a request when it opens.
     */
    webPush?: { agent?: Agent };
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
  const portal = portalFrom(env, inputs.helpDesk, {
    clock,
    auditLog,
    enrollmentStore,
    deviceStore,
    sessions: new DynamoPortalSessionStore(documentClient, table),
    userSearch: new DynamoUserSearchIndex(documentClient, table),
    optOutList: new DynamoOptOutList(documentClient, table),
    callerVerifications: new DynamoCallerVerificationStore(documentClient, table),
    rateLimiter: new DynamoRateLimiter(documentClient, { ...table, clock }),
    worker: inputs.worker,
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
    emailSender: new SesEmailSender(ses, {
      from: env.EMAIL_FROM,
      ...(env.SES_CONFIGURATION_SET ? { configurationSetName: env.SES_CONFIGURATION_SET } : {}),
    }),
    notices: { productName: env.PRODUCT_NAME, supportContact: env.SUPPORT_CONTACT },
    logger: observability.logger,
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
  if (!portalBaseUrl || !clientId || !clientSecret) {
    throw new ConfigurationError([
      'PORTAL_BASE_URL, PORTAL_OIDC_CLIENT_ID and PORTAL_OIDC_CLIENT_SECRET are required with PORTAL_OIDC_ISSUER',
    ]);
  }
  const useCases = createPortalUseCases({
    identityProvider: new OpenIdProvider({
      issuer: env.PORTAL_OIDC_ISSUER,
      clientId,
      clientSecret: () => Promise.resolve(clientSecret),
      redirectUri: `${portalBaseUrl}/admin/portal/callback`,
      groupsClaim: env.PORTAL_OIDC_GROUPS_CLAIM,
    }),
    ...inputs,
    smsSender: createSmsSender(helpDesk.clients.smsVoice, helpDesk.env),
    jobQueue: new SqsJobQueue(helpDesk.clients.sqs, { queueUrl: helpDesk.env.JOB_QUEUE_URL }),
    secrets: helpDesk.secrets,
    ...(helpDesk.webPush
      ? {
          webPushSender: new LibraryWebPushSender({
            secrets: helpDesk.secrets,
            subject: helpDesk.env.WEB_PUSH_SUBJECT ?? `mailto:${env.EMAIL_FROM}`,
            allowedHosts: helpDesk.env.WEB_PUSH_HOSTS ?? DEFAULT_WEB_PUSH_HOSTS,
            timeoutMs: 5_000,
            ...(helpDesk.webPush.agent ? { agent: helpDesk.webPush.agent } : {}),
          }),
        }
      : {}),
    productName: helpDesk.env.PRODUCT_NAME,
    activationTtlHours: helpDesk.env.ACTIVATION_TTL_HOURS,
    roleGroups: { admin: env.PORTAL_ADMIN_GROUPS, technician: env.PORTAL_TECHNICIAN_GROUPS },
    limits: { idleSeconds: env.PORTAL_SESSION_IDLE_MINUTES * 60, absoluteSeconds: env.PORTAL_SESSION_MAX_HOURS * 3600 },
  });
  return { useCases, portalBaseUrl };
}
