import { svgQrCodeRenderer } from '../adapters/qr/svg-qr-code.js';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { EnvOf } from '../config/env.js';
import type { InboundSms } from '../domain/inbound-sms.js';
import type { PushEndpoints } from '../ports/push-endpoints.js';
import type { Secrets } from '../ports/secrets.js';
import { DynamoAppResults } from '../adapters/dynamodb/app-results.js';
import { DynamoDeviceStore } from '../adapters/dynamodb/device-store.js';
import { DynamoLockoutAlertLog } from '../adapters/dynamodb/lockout-alert-log.js';
import { SesEmailSender } from '../adapters/ses/email-sender.js';
import { createHttpsGet, type HttpsGet } from '../adapters/sns/message-verifier.js';
import { SnsPushEndpoints } from '../adapters/sns/push-endpoints.js';
import { createObservability } from '../observability/powertools.js';
import { createAppRequestUseCases, createCallerApprovalUseCases } from '../use-cases/app-requests/index.js';
import { DynamoCallerVerificationStore } from '../adapters/dynamodb/caller-verifications.js';
import { createWebAuthnUseCases, unlinkDevice } from '../use-cases/app/index.js';
import { SimpleWebAuthn } from '../adapters/webauthn/simple-webauthn.js';
import { createDeviceUseCases, createSetupUseCases } from '../use-cases/enrollment/index.js';
import { createWebPushUseCases } from '../use-cases/web-push/index.js';
import { createApiHandler } from '../../functions/api/handler.js';
import { deviceRoutes } from '../../functions/api/routes/device.js';
import { pageRoutes } from '../../functions/api/routes/pages.js';
import { setupRoutes } from '../../functions/api/routes/setup.js';
import { snsHttpsRoutes } from '../../functions/api/routes/sns.js';
import { webPushRoutes } from '../../functions/api/routes/web-push.js';
import { enrollmentSettingsFrom } from './enrollment.js';
import type { FunctionInputs } from './function-inputs.js';
import { inboundSmsAdaptersFrom, inboundSmsUseCaseFrom } from './inbound-sms-use-case.js';

/** The environment sections the api function reads (its Lambda root parses these; infra tests check them). */
export const apiEnvSections = [
  'service',
  'table',
  'jobQueue',
  'publicSite',
  'email',
  'sms',
  'secretArns',
  'enrollment',
  'reset',
  'inboundSms',
  'snsHttps',
  'push',
  'webPush',
] as const;
export type ApiEnv = EnvOf<(typeof apiEnvSections)[number]>;

/** What differs between the deployed and the local api function. */
export interface ApiInputs extends FunctionInputs<'documentClient' | 'sqs' | 'ses' | 'smsVoice'> {
  secrets: Secrets;
  /** Makes a registering device's push endpoint (deployed: SNS, see snsPushEndpointsFrom; local: recorded). */
  pushEndpoints: PushEndpoints;
  /** HTTPS GET of the SNS HTTPS route (certificates, SubscribeURL); a TLS-verified fetch by default. */
  fetchText?: HttpsGet;
  /** Told of each message the SNS HTTPS route's use case handled (the local console lists them). */
  onInboundSms?: (message: InboundSms) => void;
}

/** The deployed push endpoints: made on the configured platform applications only. */
export function snsPushEndpointsFrom(client: SNSClient, env: EnvOf<'push'>): SnsPushEndpoints {
  return new SnsPushEndpoints(client, {
    ...(env.PUSH_APNS_PLATFORM_APPLICATION_ARN ? { ios: env.PUSH_APNS_PLATFORM_APPLICATION_ARN } : {}),
    ...(env.PUSH_FCM_PLATFORM_APPLICATION_ARN ? { android: env.PUSH_FCM_PLATFORM_APPLICATION_ARN } : {}),
  });
}

/** The public API: pages, setup and device routes, app requests, and the SNS HTTPS route when configured. */
export function wireApi(env: ApiEnv, inputs: ApiInputs) {
  const observability = createObservability({ serviceName: env.POWERTOOLS_SERVICE_NAME, tracing: inputs.tracing });
  const { logger } = observability;
  const { documentClient, ses } = inputs.clients;
  const table = { tableName: env.TABLE_NAME };
  // The inbound SMS adapters are a subset of the enrollment ones: one instance of each for the whole function.
  const adapters = {
    ...inboundSmsAdaptersFrom(env, inputs),
    deviceStore: new DynamoDeviceStore(documentClient, table),
    emailSender: new SesEmailSender(ses, {
      from: env.EMAIL_FROM,
      ...(env.SES_CONFIGURATION_SET ? { configurationSetName: env.SES_CONFIGURATION_SET } : {}),
    }),
    appResults: new DynamoAppResults(documentClient, table),
    pushEndpoints: inputs.pushEndpoints,
  };
  const enrollment = { ...adapters, qrCode: svgQrCodeRenderer, logger, settings: enrollmentSettingsFrom(env) };

  // App reset/unlock requests: the api function opens the answer slot and queues the job; the worker answers it.
  const appRequests = createAppRequestUseCases({
    ...adapters,
    passwordDelivery: adapters.appResults,
    logger,
    settings: {
      resetsPerHour: env.RESETS_PER_HOUR,
      resetsPerDay: env.RESETS_PER_DAY,
      appResultTtlSeconds: env.APP_RESULT_TTL_SECONDS,
    },
  });

  // SNS deliveries over HTTPS (only when SNS_HTTPS_TOPIC_ARNS is set): the same inbound SMS use case as the inbound-sms function.
  const snsRoutes = snsHttpsRoutes({
    topicArns: env.SNS_HTTPS_TOPIC_ARNS,
    fetchText: inputs.fetchText ?? createHttpsGet({ timeoutMs: 5_000, maxBytes: 64 * 1024 }),
    clock: inputs.clock,
    logger,
    handleInboundSms: inboundSmsUseCaseFrom({ ...adapters, logger, env, onHandled: inputs.onInboundSms }),
  });

  // The installed app's Web Push subscription and the lockouts recorded since its last visit.
  const webPush = createWebPushUseCases({
    secrets: inputs.secrets,
    subscriptions: adapters.deviceStore,
    visits: adapters.deviceStore,
    recentLockouts: new DynamoLockoutAlertLog(documentClient, { ...table, now: () => inputs.clock.now() }),
    clock: inputs.clock,
    logger,
  });

  const devices = createDeviceUseCases(enrollment);
  const handler = createApiHandler({
    observability,
    version: env.BLINK_VERSION,
    routes: [
      ...pageRoutes(),
      ...setupRoutes(createSetupUseCases(enrollment)),
      ...deviceRoutes(devices, appRequests, {
        unlink: (device, requestId) => unlinkDevice(enrollment, device, requestId),
        webauthn: createWebAuthnUseCases({
          ...adapters,
          counters: adapters.deviceStore,
          webauthn: new SimpleWebAuthn(env.PUBLIC_BASE_URL, { rpName: env.PRODUCT_NAME, logger }),
          logger,
        }),
        passwordMustChange: env.RESET_FORCE_CHANGE,
        webPush,
        callerApprovals: createCallerApprovalUseCases({
          callerVerifications: new DynamoCallerVerificationStore(documentClient, table),
          auditLog: adapters.auditLog,
          clock: inputs.clock,
        }),
      }),
      ...webPushRoutes(devices, webPush, { allowedHosts: env.WEB_PUSH_HOSTS }),
      ...snsRoutes,
    ],
  });
  return { handler, adapters };
}
