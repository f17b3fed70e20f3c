import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoReportCounters } from '../adapters/dynamodb/report-counters.js';
import type { EnvOf } from '../config/env.js';
import type { DirectoryTargets } from '../ports/directory-targets.js';
import type { Directory } from '../ports/directory.js';
import type { OperatorAlerts } from '../ports/operator-alerts.js';
import type { PushSender } from '../ports/push-sender.js';
import { DynamoMassLockoutEvents } from '../adapters/dynamodb/mass-lockout-events.js';
import { DynamoSendPacer } from '../adapters/dynamodb/send-pacer.js';
import type { Secrets } from '../ports/secrets.js';
import { DynamoAuditLog } from '../adapters/dynamodb/audit-log.js';
import { DynamoDeviceStore } from '../adapters/dynamodb/device-store.js';
import { DynamoExpiryReminderLog } from '../adapters/dynamodb/expiry-reminder-log.js';
import { DynamoEnrollmentStore } from '../adapters/dynamodb/enrollment-store.js';
import { DynamoEnrollmentRoster } from '../adapters/dynamodb/enrollment-roster.js';
import { DynamoJobLedger } from '../adapters/dynamodb/job-ledger.js';
import { DynamoLockoutAlertLog } from '../adapters/dynamodb/lockout-alert-log.js';
import { DynamoOnceKeys } from '../adapters/dynamodb/once-keys.js';
import { DynamoOptOutList } from '../adapters/dynamodb/opt-out-list.js';
import { DynamoPasswordDelivery } from '../adapters/dynamodb/password-delivery.js';
import { DynamoRateLimiter } from '../adapters/dynamodb/rate-limiter.js';
import { DynamoScanWatermarkStore } from '../adapters/dynamodb/scan-watermark-store.js';
import { LdapDirectory } from '../adapters/ldap/ldap-directory.js';
import { SesEmailSender } from '../adapters/ses/email-sender.js';
import { SqsJobQueue } from '../adapters/sqs/job-queue.js';
import { QueuedWebPushSender } from '../adapters/sqs/queued-web-push-sender.js';
import { createObservability } from '../observability/powertools.js';
import { createAdminActivation } from '../use-cases/activation/index.js';
import { createDirectoryJobHandlers } from '../use-cases/directory-jobs/index.js';
import { createExpiryReminders } from '../use-cases/expiry-reminders/index.js';
import { createLockoutWatch } from '../use-cases/lockout/index.js';
import { createAccountJobs } from '../use-cases/reset/index.js';
import { createDirectoryWorkerHandler } from '../../functions/directory-worker/handler.js';
import {
  createDirectoryWorkerAdminHandler,
  dispatchWorkerEvent,
} from '../../functions/directory-worker/admin-handler.js';
import type { FunctionInputs } from './function-inputs.js';
import { resetSettingsFrom } from './reset.js';
import { createSmsSender } from './sms.js';
import { FUNCTION_TIMEOUT_SECONDS } from './timeouts.js';

/** The environment sections the directory worker reads (its Lambda root parses these; infra tests check them). */
export const directoryWorkerEnvSections = [
  'service',
  'table',
  'directory',
  'secretArns',
  'lockoutScan',
  'publicSite',
  'email',
  'enrollment',
  'sms',
  'lockoutAlert',
  'reset',
  'jobQueue',
  'expiryReminders',
  'webPushQueue',
] as const;
export type DirectoryWorkerEnv = EnvOf<(typeof directoryWorkerEnvSections)[number]>;

/** What differs between the deployed and the local directory worker. */
export interface DirectoryWorkerInputs extends FunctionInputs<'documentClient' | 'ses' | 'smsVoice' | 'sqs'> {
  secrets: Secrets;
  /** The AD connection (see ldapDirectoryFrom); the caller closes it when it owns the process. */
  directory: Directory;
  /** Deployed: SNS mobile push; local: recorded for the console. */
  pushSender: PushSender;
  /** Deployed: the alarm topic (ALARM_TOPIC_ARN); local: recorded for the console and tests. */
  adminAlerts: OperatorAlerts;
}

/** The worker's LDAP connection, opened lazily by the first job and kept for the life of the instance. */
export function ldapDirectoryFrom(env: EnvOf<'directory' | 'reset'>, secrets: Secrets, caPem: string): LdapDirectory {
  return new LdapDirectory({
    urls: env.LDAP_URLS,
    baseDn: env.LDAP_BASE_DN,
    bindDn: env.LDAP_BIND_DN,
    bindPassword: () => secrets.get('directory-bind-password'),
    caPem,
    startTls: env.LDAP_STARTTLS,
    passwordPolicyHints: env.LDAP_PASSWORD_POLICY_HINTS,
    connectTimeoutMs: env.LDAP_CONNECT_TIMEOUT_MS,
    operationTimeoutMs: env.LDAP_OPERATION_TIMEOUT_MS,
  });
}

/**
 * The directory worker: SQS job batches (reset, unlock, lockout scan, ping) and the admin API's direct invocations.
 * One instance of each adapter for the whole function: the scan, the account jobs and the admin entry share them.
 */
export function wireDirectoryWorker(env: DirectoryWorkerEnv, inputs: DirectoryWorkerInputs) {
  const observability = createObservability({ serviceName: env.POWERTOOLS_SERVICE_NAME, tracing: inputs.tracing });
  const { logger, metrics } = observability;
  const { documentClient, ses, smsVoice } = inputs.clients;
  const { clock, directory } = inputs;
  const table = { tableName: env.TABLE_NAME };
  const deviceStore = new DynamoDeviceStore(documentClient, table);
  const jobQueue = new SqsJobQueue(inputs.clients.sqs, { queueUrl: env.JOB_QUEUE_URL });
  const roster = new DynamoEnrollmentRoster(documentClient, table);
  // One schedule of the SMS numbers for every paced send (mass-lockout alerts, SMS reminders).
  const sendPacer = new DynamoSendPacer(documentClient, { ...table, sender: 'sms' });
  const adapters = {
    directory,
    clock,
    secrets: inputs.secrets,
    enrollmentStore: new DynamoEnrollmentStore(documentClient, { ...table, now: () => clock.now() }),
    deviceStore,
    onceKeys: new DynamoOnceKeys(documentClient, { ...table, clock }),
    optOutList: new DynamoOptOutList(documentClient, table),
    rateLimiter: new DynamoRateLimiter(documentClient, { ...table, clock }),
    auditLog: new DynamoAuditLog(documentClient, table),
    passwordDelivery: new DynamoPasswordDelivery(documentClient, { ...table, deviceStore }),
    smsSender: createSmsSender(smsVoice, env, {
      counters: new DynamoReportCounters(documentClient, table),
      now: () => clock.now(),
    }),
    emailSender: new SesEmailSender(ses, {
      from: env.EMAIL_FROM,
      ...(env.SES_CONFIGURATION_SET ? { configurationSetName: env.SES_CONFIGURATION_SET } : {}),
    }),
    pushSender: inputs.pushSender,
    // Web Push to the installed app: only queued here (no internet from the VPC, no VAPID key in the worker); the
    // web-push sender outside the VPC posts it (shared/composition/web-push-sender.ts).
    ...(env.WEB_PUSH_QUEUE_URL
      ? {
          webPush: {
            sender: new QueuedWebPushSender(inputs.clients.sqs, { queueUrl: env.WEB_PUSH_QUEUE_URL }),
            subscriptions: deviceStore,
          },
        }
      : {}),
  };

  // The lockout watch: alerts from the scheduled scan, and the admin listing of locked users.
  const alertLog = new DynamoLockoutAlertLog(documentClient, { ...table, now: () => clock.now() });
  const lockoutWatch = createLockoutWatch({
    ...adapters,
    alertLog,
    lockedNowList: alertLog,
    scanWatermarks: new DynamoScanWatermarkStore(documentClient, table),
    logger,
    metrics,
    settings: {
      scan: { pageSize: env.LOCKOUT_SCAN_PAGE_SIZE, timeBudgetMs: env.LOCKOUT_SCAN_TIME_BUDGET_MS },
      watermarkMaxAgeSeconds: env.LOCKOUT_SCAN_WATERMARK_MAX_AGE_SECONDS,
      timeZone: env.LOCKOUT_ALERT_TIME_ZONE,
      alertsPerDay: env.LOCKOUT_ALERTS_PER_DAY,
      showBadPasswordDc: env.LOCKOUT_ALERT_SHOW_DC,
      productName: env.PRODUCT_NAME,
      massLockout: {
        thresholds: { absolute: env.MASS_LOCKOUT_THRESHOLD, percent: env.MASS_LOCKOUT_THRESHOLD_PERCENT },
        smsPerSecond: env.SMS_SENDS_PER_SECOND,
        eventMinutes: env.MASS_LOCKOUT_EVENT_MINUTES,
      },
    },
    massLockout: {
      events: new DynamoMassLockoutEvents(documentClient, table),
      pacer: sendPacer,
      jobQueue,
      adminAlerts: inputs.adminAlerts,
      enrolledCount: async () => (await roster.list()).length,
    },
  });

  // Reset and unlock. A claimed job is held for the function's timeout, so a run that died with the instance
  // frees the job before SQS redelivers it (visibility timeout: six times as long, see infra/timeouts.ts).
  const accountJobs = createAccountJobs({
    ...adapters,
    jobLedger: new DynamoJobLedger(documentClient, table),
    logger,
    // Alarmed in infra/stacks/directory-stack.ts (namespace Blink, dimension service).
    onRefused: () => metrics.addMetric('ResetRefused', MetricUnit.Count, 1),
    // Alarmed in infra/stacks/directory-stack.ts: a DC did not get a new password within REPLICATION_CONFIRM_SECONDS.
    onReplicationBehind: (dcs) => metrics.addMetric('ReplicationBehind', MetricUnit.Count, dcs),
    settings: resetSettingsFrom(env, FUNCTION_TIMEOUT_SECONDS['directory-worker']),
  });

  // Password-expiry reminders (issue 13 §4): the daily job, and the continuations it queues when time runs out.
  const expiryReminders = createExpiryReminders({
    ...adapters,
    reminderLog: new DynamoExpiryReminderLog(documentClient, { ...table, now: () => clock.now() }),
    jobQueue,
    smsPacing: { pacer: sendPacer, perSecond: env.SMS_SENDS_PER_SECOND, onceKeys: adapters.onceKeys },
    logger,
    metrics,
    settings: {
      steps: env.PASSWORD_EXPIRY_REMINDER_DAYS,
      timeZone: env.LOCKOUT_ALERT_TIME_ZONE,
      sms: env.PASSWORD_EXPIRY_REMINDER_SMS,
      push: env.PASSWORD_EXPIRY_REMINDER_PUSH,
      pageSize: env.PASSWORD_EXPIRY_SCAN_PAGE_SIZE,
      timeBudgetMs: env.PASSWORD_EXPIRY_SCAN_TIME_BUDGET_MS,
      productName: env.PRODUCT_NAME,
      supportContact: env.SUPPORT_CONTACT,
      defaultResetNumber: env.SMS_INBOUND_NUMBERS[0] ?? '',
    },
  });

  const jobs = createDirectoryWorkerHandler({
    observability,
    jobs: createDirectoryJobHandlers({ directory, logger, lockoutWatch, accountJobs, expiryReminders }),
  });

  // Direct invocations by the admin API (`{ "admin": … }`): activation needs AD, and only this function reaches it.
  const admin = createDirectoryWorkerAdminHandler({
    observability,
    lockout: lockoutWatch,
    // The portal's picker comes with the LDAP directory; a test's stand-in without it answers NOT_AVAILABLE.
    ...('findActivationTargets' in directory ? { targets: directory as Directory & DirectoryTargets } : {}),
    activation: createAdminActivation({
      ...adapters,
      roster,
      logger,
      settings: { publicBaseUrl: env.PUBLIC_BASE_URL, activationTtlHours: env.ACTIVATION_TTL_HOURS },
      branding: { productName: env.PRODUCT_NAME, supportContact: env.SUPPORT_CONTACT },
    }),
  });

  return {
    handler: dispatchWorkerEvent({ jobs, admin }),
    jobs,
    admin,
    lockoutWatch,
    expiryReminders,
    adapters: { ...adapters, adminAlerts: inputs.adminAlerts },
  };
}
