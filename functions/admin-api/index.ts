import { LambdaClient } from '@aws-sdk/client-lambda';
import { parseEnv } from '../../shared/config/env.js';
import * as aws from '../../shared/composition/aws-clients.js';
import { secretsManagerSecretsFrom } from '../../shared/composition/secrets.js';
import { adminApiEnvSections, adminApiPortalEnvSections, wireAdminApi } from '../../shared/composition/admin-api.js';
import { onLambda } from '../../shared/composition/function-inputs.js';
import { LambdaWorkerInvoker } from '../../shared/adapters/lambda/worker-invoker.js';

// Lambda composition root: configuration is parsed once per cold start and fails fast when incomplete.
const env = parseEnv(adminApiEnvSections);

export const { handler } = wireAdminApi(env, {
  clients: { documentClient: aws.createDocumentClient(), ses: aws.createSesClient() },
  // One attempt: a retried activation whose first answer was lost would email the same users twice.
  worker: new LambdaWorkerInvoker(new LambdaClient({ maxAttempts: 1 }), env.DIRECTORY_WORKER_FUNCTION),
  ...onLambda(),
  // The portal's help-desk actions (caller codes, unlock and reset jobs): only when the portal is configured.
  ...(env.PORTAL_OIDC_ISSUER ? { helpDesk: helpDeskInputs() } : {}),
});

function helpDeskInputs() {
  const helpDeskEnv = parseEnv(adminApiPortalEnvSections);
  const names = [
    'token-hmac-key',
    ...(helpDeskEnv.PORTAL_OIDC_CLIENT_SECRET_ARN ? (['portal-client-secret'] as const) : []),
  ] as const;
  return {
    env: helpDeskEnv,
    clients: { sqs: aws.createSqsClient(), smsVoice: aws.createSmsVoiceClient(), sns: aws.createSnsClient() },
    secrets: secretsManagerSecretsFrom(aws.createSecretsClient(), helpDeskEnv, names),
  };
}
