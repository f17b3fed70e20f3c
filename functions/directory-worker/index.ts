import { readFileSync } from 'node:fs';
import { parseEnv } from '../../shared/config/env.js';
import * as aws from '../../shared/composition/aws-clients.js';
import {
  directoryWorkerEnvSections,
  ldapDirectoryFrom,
  wireDirectoryWorker,
} from '../../shared/composition/directory-worker.js';
import { secretsManagerSecretsFrom } from '../../shared/composition/secrets.js';
import { SnsTopicAlerts } from '../../shared/adapters/sns/topic-alerts.js';
import { SnsPushSender } from '../../shared/adapters/sns/push-sender.js';
import { onLambda } from '../../shared/composition/function-inputs.js';

// Lambda composition root: configuration is parsed once per cold start and fails fast when incomplete. The LDAP
// connection is opened lazily by the first job and kept for the life of the instance.
const env = parseEnv(directoryWorkerEnvSections);
const secrets = secretsManagerSecretsFrom(aws.createSecretsClient(), env, [
  'directory-bind-password',
  'token-hmac-key',
]);

const sns = aws.createSnsClient();

export const { handler } = wireDirectoryWorker(env, {
  clients: aws.createServiceClients(),
  secrets,
  directory: ldapDirectoryFrom(env, secrets, readFileSync(env.LDAP_CA_FILE, 'utf8')),
  pushSender: new SnsPushSender(sns),
  adminAlerts: env.ALARM_TOPIC_ARN
    ? new SnsTopicAlerts(sns, env.ALARM_TOPIC_ARN)
    : // Without a topic the alert is still in the logs (the MassLockoutDetected metric raises the alarm anyway).
      { alert: async (alert) => console.warn(JSON.stringify({ level: 'WARN', message: alert.subject })) },
  ...onLambda(),
});
