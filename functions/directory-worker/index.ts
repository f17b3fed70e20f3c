import { readFileSync } from 'node:fs';
import { parseEnv } from '../../shared/config/env.js';
import {
  createDocumentClient,
  createSecretsClient,
  createSesClient,
  createSmsVoiceClient,
  createSnsClient,
  createSqsClient,
} from '../../shared/composition/aws-clients.js';
import {
  directoryWorkerEnvSections,
  ldapDirectoryFrom,
  wireDirectoryWorker,
} from '../../shared/composition/directory-worker.js';
import { secretsManagerSecretsFrom } from '../../shared/composition/secrets.js';
import { SnsPushSender } from '../../shared/adapters/sns/push-sender.js';
import { SystemClock } from '../../shared/adapters/system/clock.js';

// Lambda composition root: configuration is parsed once per cold start and fails fast when incomplete. The LDAP
// connection is opened lazily by the first job and kept for the life of the instance.
const env = parseEnv(directoryWorkerEnvSections);
const secrets = secretsManagerSecretsFrom(createSecretsClient(), env, ['directory-bind-password', 'token-hmac-key']);

export const { handler } = wireDirectoryWorker(env, {
  clients: {
    documentClient: createDocumentClient(),
    ses: createSesClient(),
    smsVoice: createSmsVoiceClient(),
    sqs: createSqsClient(),
  },
  secrets,
  directory: ldapDirectoryFrom(env, secrets, readFileSync(env.LDAP_CA_FILE, 'utf8')),
  pushSender: new SnsPushSender(createSnsClient()),
  clock: new SystemClock(),
  tracing: true,
});
