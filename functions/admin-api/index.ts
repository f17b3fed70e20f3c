import { LambdaClient } from '@aws-sdk/client-lambda';
import { parseEnv } from '../../shared/config/env.js';
import {
  createDocumentClient,
  createSecretsClient,
  createSesClient,
  createSmsVoiceClient,
  createSqsClient,
} from '../../shared/composition/aws-clients.js';
import { secretsManagerSecretsFrom } from '../../shared/composition/secrets.js';
import { adminApiEnvSections, wireAdminApi } from '../../shared/composition/admin-api.js';
import { SystemClock } from '../../shared/adapters/system/clock.js';
import { LambdaWorkerInvoker } from '../../shared/adapters/lambda/worker-invoker.js';

// Lambda composition root: configuration is parsed once per cold start and fails fast when incomplete.
const env = parseEnv(adminApiEnvSections);

export const { handler } = wireAdminApi(env, {
  clients: { documentClient: createDocumentClient(), ses: createSesClient() },
  // One attempt: a retried activation whose first answer was lost would email the same users twice.
  worker: new LambdaWorkerInvoker(new LambdaClient({ maxAttempts: 1 }), env.DIRECTORY_WORKER_FUNCTION),
  clock: new SystemClock(),
  tracing: true,
  // The portal's help-desk actions (caller codes, unlock and reset jobs): only when the portal is configured.
  ...(env.PORTAL_OIDC_ISSUER ? { helpDesk: helpDeskInputs() } : {}),
});

function helpDeskInputs() {
  const helpDeskEnv = parseEnv(['jobQueue', 'sms', 'enrollment', 'secretArns', 'webPush']);
  // Caller approval requests reach the user's app by Web Push only where the stack gives this function the VAPID key.
  const webPush = helpDeskEnv.VAPID_SECRET_ARN !== undefined;
  return {
    env: helpDeskEnv,
    clients: { sqs: createSqsClient(), smsVoice: createSmsVoiceClient() },
    secrets: secretsManagerSecretsFrom(
      createSecretsClient(),
      helpDeskEnv,
      webPush ? ['token-hmac-key', 'vapid-keys'] : ['token-hmac-key'],
    ),
    ...(webPush ? { webPush: {} } : {}),
  };
}
