import { LambdaClient } from '@aws-sdk/client-lambda';
import { parseEnv } from '../../shared/config/env.js';
import {
  createDocumentClient,
  createSecretsClient,
  createSesClient,
  createSmsVoiceClient,
  createSnsClient,
  createSqsClient,
} from '../../shared/composition/aws-clients.js';
import { secretsManagerSecretsFrom } from '../../shared/composition/secrets.js';
import { adminApiEnvSections, adminApiPortalEnvSections, wireAdminApi } from '../../shared/composition/admin-api.js';
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
  const helpDeskEnv = parseEnv(adminApiPortalEnvSections);
  // Caller approval requests reach the user's app by Web Push only where the stack gives this function the VAPID key.
  const webPush = helpDeskEnv.VAPID_SECRET_ARN !== undefined;
  const names = [
    'token-hmac-key',
    ...(webPush ? (['vapid-keys'] as const) : []),
    ...(helpDeskEnv.PORTAL_OIDC_CLIENT_SECRET_ARN ? (['portal-client-secret'] as const) : []),
  ] as const;
  return {
    env: helpDeskEnv,
    clients: { sqs: createSqsClient(), smsVoice: createSmsVoiceClient(), sns: createSnsClient() },
    secrets: secretsManagerSecretsFrom(createSecretsClient(), helpDeskEnv, names),
    ...(webPush ? { webPush: {} } : {}),
  };
}
