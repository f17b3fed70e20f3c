import { parseEnv } from '../../shared/config/env.js';
import { createDocumentClient, createSecretsClient } from '../../shared/composition/aws-clients.js';
import { secretsManagerSecretsFrom } from '../../shared/composition/secrets.js';
import { webPushSenderEnvSections, wireWebPushSender } from '../../shared/composition/web-push-sender.js';
import { SystemClock } from '../../shared/adapters/system/clock.js';

// Lambda composition root (outside the VPC): configuration is parsed once per cold start and fails fast when
// incomplete; the VAPID key pair is read from Secrets Manager on the first push.
const env = parseEnv(webPushSenderEnvSections);

export const { handler } = wireWebPushSender(env, {
  clients: { documentClient: createDocumentClient() },
  secrets: secretsManagerSecretsFrom(createSecretsClient(), env, ['vapid-keys']),
  clock: new SystemClock(),
  tracing: true,
});
