import { parseEnv } from '../../shared/config/env.js';
import * as aws from '../../shared/composition/aws-clients.js';
import { inboundSmsEnvSections, wireInboundSms } from '../../shared/composition/inbound-sms.js';
import { secretsManagerSecretsFrom } from '../../shared/composition/secrets.js';
import { onLambda } from '../../shared/composition/function-inputs.js';

// Lambda composition root: configuration is parsed once per cold start and fails fast when incomplete.
const env = parseEnv(inboundSmsEnvSections);

export const { handler } = wireInboundSms(env, {
  clients: {
    documentClient: aws.createDocumentClient(),
    sqs: aws.createSqsClient(),
    smsVoice: aws.createSmsVoiceClient(),
  },
  secrets: secretsManagerSecretsFrom(aws.createSecretsClient(), env, ['token-hmac-key']),
  ...onLambda(),
});
