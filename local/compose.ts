import { readFile } from 'node:fs/promises';
import type { Agent } from 'node:https';
import {
  createDocumentClient,
  createSesClient,
  createSmsVoiceClient,
  createSnsClient,
  createSqsClient,
  type ClientTarget,
} from '../shared/composition/aws-clients.js';
import { adminApiEnvSections, wireAdminApi } from '../shared/composition/admin-api.js';
import { apiEnvSections, wireApi } from '../shared/composition/api.js';
import {
  directoryWorkerEnvSections,
  ldapDirectoryFrom,
  wireDirectoryWorker,
} from '../shared/composition/directory-worker.js';
import { inboundSmsEnvSections, wireInboundSms } from '../shared/composition/inbound-sms.js';
import { webPushSenderEnvSections, wireWebPushSender } from '../shared/composition/web-push-sender.js';
import { functionTimeoutMs } from '../shared/composition/timeouts.js';
import { parseEnv } from '../shared/config/env.js';
import { createBlinkTable } from '../shared/adapters/dynamodb/table.js';
import { RecordingAdminAlerts } from '../shared/adapters/sns/recording-admin-alerts.js';
import { RecordingPushSender } from '../shared/adapters/sns/recording-push-sender.js';
import { RecordingPushEndpoints } from '../shared/adapters/sns/recording-push-endpoints.js';
import { StaticSecrets } from '../shared/adapters/secrets/static-secrets.js';
import { SystemClock } from '../shared/adapters/system/clock.js';
import type { Clock } from '../shared/ports/clock.js';
import type { InboundSms } from '../shared/domain/inbound-sms.js';
import type { HttpsGet } from '../shared/adapters/sns/message-verifier.js';
import { failureQueueBatch } from './stand-ins/lambda-failure-record.js';
import { createLambdaContext } from './lambda-context.js';
import { createJobQueue } from './stand-ins/sqs.js';
import { createAlarmTopic } from './stand-ins/alarm-topic.js';

/** Where the in-process stand-ins listen. */
export interface StandInEndpoints {
  dynamodb: string;
  sqs: string;
  ses: string;
  sms: string;
}

/** The directory the worker talks to: the demo directory, or a real AD / Samba DC. */
export interface DirectorySettings {
  /** One URL or a comma list (ldaps://…, or ldap://… with startTls). */
  urls: string;
  baseDn: string;
  bindDn: string;
  bindPassword: string;
  /** Path of the PEM bundle of the CA that signed the DCs' certificates. */
  caFile: string;
  startTls: boolean;
}

export interface ComposeOptions {
  endpoints: StandInEndpoints;
  directory: DirectorySettings;
  publicBaseUrl: string;
  version: string;
  emailFrom: string;
  smsOriginationIdentities: string;
  smsInboundNumbers: string;
  tokenHmacKey: string;
  /** The VAPID key pair of Web Push, as its secret holds it (JSON {"publicKey","privateKey"}). */
  vapidKeys: string;
  /** TLS agent of the Web Push requests (sender, help desk); the default one unless a test's push service has its own CA. */
  webPushAgent?: Agent;
  /** Enrollment settings as the Lambdas read them (PRODUCT_NAME, SUPPORT_CONTACT, ACTIVATION_TTL_HOURS…); defaults when unset. */
  enrollmentEnv?: Record<string, string | undefined>;
  queue: { name: string; visibilityTimeoutSeconds: number; maxReceiveCount: number };
  tableName: string;
  /** Time source of every adapter and use case (tests pass a manual clock); the system clock by default. */
  clock?: Clock;
  /** Called after the inbound-SMS use case handled a message (the console lists them). */
  onInboundSms?: (message: InboundSms) => void;
  /** HTTPS GET of the SNS HTTPS route (certificates, SubscribeURL); a real TLS-verified fetch by default. */
  fetchHttps?: HttpsGet;
}

/** AWS SDK clients point at a stand-in with dummy credentials: the only difference from the deployed clients. */
export function localTarget(endpoint: string): ClientTarget {
  return { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
}

/**
 * The local composition root. It provisions what CDK creates when deployed (the table, the job queue and its DLQ),
 * then wires each function with the same module as its Lambda root (shared/composition/<function>.ts), passing the
 * stand-ins' clients and the local adapters (secrets in memory, recorded pushes). Only those inputs differ.
 */
export async function composeLocalBlink(options: ComposeOptions) {
  const sqsClient = createSqsClient(localTarget(options.endpoints.sqs));
  const documentClient = createDocumentClient(localTarget(options.endpoints.dynamodb));
  await createBlinkTable(documentClient, options.tableName);
  const queue = await createJobQueue(sqsClient, {
    queueName: options.queue.name,
    visibilityTimeoutSeconds: options.queue.visibilityTimeoutSeconds,
    maxReceiveCount: options.queue.maxReceiveCount,
  });
  // fauxqs is SNS too: the alarm topic the portal's emergency path announces itself on.
  const snsClient = createSnsClient(localTarget(options.endpoints.sqs));
  const alarmTopic = await createAlarmTopic(snsClient, sqsClient);
  // The web-push queue and its DLQ, as MessagingStack has them (same receive limit and visibility as the job queue here).
  const webPushQueue = await createJobQueue(sqsClient, {
    queueName: `${options.queue.name}-web-push`,
    visibilityTimeoutSeconds: options.queue.visibilityTimeoutSeconds,
    maxReceiveCount: options.queue.maxReceiveCount,
  });

  // The handlers' configuration goes through the one shared schema, as in the Lambdas: every function's sections.
  const env = parseEnv(
    [
      ...new Set([
        ...apiEnvSections,
        ...inboundSmsEnvSections,
        ...directoryWorkerEnvSections,
        ...adminApiEnvSections,
        ...webPushSenderEnvSections,
      ]),
    ],
    {
      ...options.enrollmentEnv,
      POWERTOOLS_SERVICE_NAME: 'blink',
      BLINK_VERSION: options.version,
      TABLE_NAME: options.tableName,
      JOB_QUEUE_URL: queue.queueUrl,
      PORTAL_ALARM_TOPIC_ARN: alarmTopic.topicArn,
      // As deployed: the worker's JOB_MAX_RECEIVE_COUNT is the queue's maxReceiveCount.
      JOB_MAX_RECEIVE_COUNT: String(options.queue.maxReceiveCount),
      PUBLIC_BASE_URL: options.publicBaseUrl,
      EMAIL_FROM: options.emailFrom,
      SMS_ORIGINATION_IDENTITIES: options.smsOriginationIdentities,
      SMS_INBOUND_NUMBERS: options.smsInboundNumbers,
      LDAP_URLS: options.directory.urls,
      LDAP_BASE_DN: options.directory.baseDn,
      LDAP_BIND_DN: options.directory.bindDn,
      LDAP_STARTTLS: String(options.directory.startTls),
      LDAP_CA_FILE: options.directory.caFile,
      // Locally the admin API calls the worker's admin entry in process; the name is the one its context carries.
      DIRECTORY_WORKER_FUNCTION: 'blink-directory-worker',
      WEB_PUSH_QUEUE_URL: webPushQueue.queueUrl,
    },
  );

  // What differs from the Lambdas: clients on the stand-ins, secrets in memory, pushes recorded, no X-Ray daemon.
  const clock: Clock = options.clock ?? new SystemClock();
  const secrets = new StaticSecrets({
    'token-hmac-key': options.tokenHmacKey,
    'directory-bind-password': options.directory.bindPassword,
    'vapid-keys': options.vapidKeys,
  });
  const directory = ldapDirectoryFrom(env, secrets, await readFile(env.LDAP_CA_FILE, 'utf8'));
  const local = {
    clients: {
      documentClient,
      sqs: sqsClient,
      ses: createSesClient(localTarget(options.endpoints.ses)),
      smsVoice: createSmsVoiceClient(localTarget(options.endpoints.sms)),
    },
    secrets,
    clock,
    tracing: false,
  };

  // Each function wired as its Lambda is (shared/composition); the console is also told which messages were handled.
  const api = wireApi(env, {
    ...local,
    // Registering apps get SNS-shaped endpoint ARNs made from their tokens, as deployed (pushes then recorded).
    pushEndpoints: new RecordingPushEndpoints(),
    ...(options.fetchHttps ? { fetchText: options.fetchHttps } : {}),
    onInboundSms: options.onInboundSms,
  });
  const inboundSms = wireInboundSms(env, { ...local, onHandled: options.onInboundSms });
  // Lockout alerts and reset notices push to the RecordingPushSender, shown at /_local.
  const pushSender = new RecordingPushSender();
  const adminAlerts = new RecordingAdminAlerts();
  const worker = wireDirectoryWorker(env, {
    ...local,
    directory,
    pushSender,
    // The admins' alerts (mass lockouts), recorded as the alarm topic would mail them.
    adminAlerts,
  });
  // The worker only queues Web Push; this sender (outside the VPC when deployed) posts it, fed by the runtime's poller.
  const webPushSender = wireWebPushSender(env, {
    ...local,
    ...(options.webPushAgent ? { webPushAgent: options.webPushAgent } : {}),
  });
  // The worker's admin entry, called in process where the deployed admin API invokes the worker Lambda.
  const adminApi = wireAdminApi(env, {
    ...local,
    // The portal's help-desk actions: caller codes by SMS, unlock and reset jobs on the queue, codes hashed with the key.
    helpDesk: {
      env,
      clients: { sqs: sqsClient, smsVoice: local.clients.smsVoice, sns: snsClient },
      secrets,
    },
    worker: {
      invoke: (request) =>
        worker.admin(
          { admin: request },
          createLambdaContext('blink-directory-worker', functionTimeoutMs('directory-worker')),
        ),
    },
  });

  // The functions' adapters, for tests and the console (one table, queue and set of stand-ins behind all of them).
  const adapters = { ...api.adapters, ...inboundSms.adapters, ...worker.adapters, pushSender, adminAlerts };
  const handlers = {
    api: api.handler,
    // As deployed: one function for the topic's notifications and for the batches of its failure queue.
    inboundSms: inboundSms.handler,
    directoryWorker: worker.jobs,
    webPushSender: webPushSender.handler,
  };
  const lockoutWatch = worker.lockoutWatch;
  const adminHandlers = { workerAdmin: worker.admin, adminApi: adminApi.handler };

  return {
    env,
    queue,
    webPushQueue,
    sqsClient,
    adapters,
    handlers,
    lockoutWatch,
    adminHandlers,
    /**
     * No SNS retries locally: feeds failure records (local/stand-ins/lambda-failure-record.ts) to the inbound-sms
     * handler as its failure queue's event source would, and answers which records failed (they would be retried).
     */
    deliverInboundSmsFailures: (records: string[], receiveCount = 1) =>
      handlers.inboundSms(
        failureQueueBatch(records, receiveCount),
        createLambdaContext('blink-inbound-sms', functionTimeoutMs('inbound-sms')),
      ),
    async close() {
      await directory.close();
      sqsClient.destroy();
      snsClient.destroy();
      documentClient.destroy();
    },
  };
}

export type LocalComposition = Awaited<ReturnType<typeof composeLocalBlink>>;
