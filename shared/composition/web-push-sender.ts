import type { Agent } from 'node:https';
import type { EnvOf } from '../config/env.js';
import type { Secrets } from '../ports/secrets.js';
import { DynamoDeviceStore } from '../adapters/dynamodb/device-store.js';
import { LibraryWebPushSender } from '../adapters/web-push/web-push-sender.js';
import { createObservability } from '../observability/powertools.js';
import { createQueuedWebPushDelivery } from '../use-cases/web-push/index.js';
import { createWebPushSenderHandler } from '../../functions/web-push-sender/handler.js';
import type { FunctionInputs } from './function-inputs.js';

/** The environment sections the web-push sender reads (its Lambda root parses these; infra tests check them). */
export const webPushSenderEnvSections = ['service', 'table', 'secretArns', 'email', 'webPush'] as const;
export type WebPushSenderEnv = EnvOf<(typeof webPushSenderEnvSections)[number]>;

/** What differs between the deployed and the local web-push sender. */
export interface WebPushSenderInputs extends FunctionInputs<'documentClient'> {
  /** Holds the VAPID key pair (`vapid-keys`): this function and the api (the public key) are the only readers. */
  secrets: Secrets;
  /** TLS agent of the push requests: the default (system CAs) unless a test's push service has its own CA. */
  webPushAgent?: Agent;
}

/** How long one push request may take: several fit in the function's timeout, and a slow service is retried later. */
const PUSH_REQUEST_TIMEOUT_MS = 5_000;

/**
 * The web-push sender, outside the VPC: the web-push queue's consumer. It reads each device again, posts to its push
 * service (RFC 8291 encryption, VAPID signature) and removes subscriptions the push service says are gone.
 */
export function wireWebPushSender(env: WebPushSenderEnv, inputs: WebPushSenderInputs) {
  const observability = createObservability({ serviceName: env.POWERTOOLS_SERVICE_NAME, tracing: inputs.tracing });
  const deviceStore = new DynamoDeviceStore(inputs.clients.documentClient, { tableName: env.TABLE_NAME });
  const deliver = createQueuedWebPushDelivery({
    deviceStore,
    subscriptions: deviceStore,
    sender: new LibraryWebPushSender({
      secrets: inputs.secrets,
      subject: env.WEB_PUSH_SUBJECT ?? `mailto:${env.EMAIL_FROM}`,
      allowedHosts: env.WEB_PUSH_HOSTS,
      timeoutMs: PUSH_REQUEST_TIMEOUT_MS,
      ...(inputs.webPushAgent ? { agent: inputs.webPushAgent } : {}),
    }),
    logger: observability.logger,
  });
  return { handler: createWebPushSenderHandler({ observability, deliver }), deliver };
}
