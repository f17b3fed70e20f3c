import { parseEnv } from '../../shared/config/env.js';
import {
  createDocumentClient,
  createSecretsClient,
  createSmsVoiceClient,
  createSqsClient,
} from '../../shared/composition/aws-clients.js';
import { inboundSmsEnvSections, wireInboundSms } from '../../shared/composition/inbound-sms.js';
import { secretsManagerSecretsFrom } from '../../shared/composition/secrets.js';
import { SystemClock } from '../../shared/adapters/system/clock.js';

// Lambda composition root: configuration is parsed once per cold start and fails fast when incomplete.
const env = parseEnv(inboundSmsEnvSections);

export const { handler } = wireInboundSms(env, {
  clients: { documentClient: createDocumentClient(), sqs: createSqsClient(), smsVoice: createSmsVoiceClient() },
  secrets: secretsManagerSecretsFrom(createSecretsClient(), env, ['token-hmac-key']),
  clock: new SystemClock(),
  tracing: true,
});
