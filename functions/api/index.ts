import { parseEnv } from '../../shared/config/env.js';
import {
  createDocumentClient,
  createSecretsClient,
  createSesClient,
  createSmsVoiceClient,
  createSnsClient,
  createSqsClient,
} from '../../shared/composition/aws-clients.js';
import { apiEnvSections, snsPushEndpointsFrom, wireApi } from '../../shared/composition/api.js';
import { secretsManagerSecretsFrom } from '../../shared/composition/secrets.js';
import { SystemClock } from '../../shared/adapters/system/clock.js';

// Lambda composition root: configuration is parsed once per cold start and fails fast when incomplete.
const env = parseEnv(apiEnvSections);

export const { handler } = wireApi(env, {
  clients: {
    documentClient: createDocumentClient(),
    sqs: createSqsClient(),
    ses: createSesClient(),
    smsVoice: createSmsVoiceClient(),
  },
  secrets: secretsManagerSecretsFrom(createSecretsClient(), env, ['token-hmac-key', 'vapid-keys']),
  pushEndpoints: snsPushEndpointsFrom(createSnsClient(), env),
  clock: new SystemClock(),
  tracing: true,
});
