import { parseEnv } from '../../shared/config/env.js';
import * as aws from '../../shared/composition/aws-clients.js';
import { apiEnvSections, snsPushEndpointsFrom, wireApi } from '../../shared/composition/api.js';
import { secretsManagerSecretsFrom } from '../../shared/composition/secrets.js';
import { onLambda } from '../../shared/composition/function-inputs.js';

// Lambda composition root: configuration is parsed once per cold start and fails fast when incomplete.
const env = parseEnv(apiEnvSections);

export const { handler } = wireApi(env, {
  clients: aws.createServiceClients(),
  secrets: secretsManagerSecretsFrom(aws.createSecretsClient(), env, ['token-hmac-key', 'vapid-keys']),
  pushEndpoints: snsPushEndpointsFrom(aws.createSnsClient(), env),
  ...onLambda(),
});
