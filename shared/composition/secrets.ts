import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerSecrets } from '../adapters/secrets/secrets-manager-secrets.js';
import { ConfigurationError, type EnvOf } from '../config/env.js';
import type { SecretName } from '../ports/secrets.js';

const arnVariables = {
  'token-hmac-key': 'TOKEN_HMAC_SECRET_ARN',
  'directory-bind-password': 'DIRECTORY_BIND_SECRET_ARN',
  'vapid-keys': 'VAPID_SECRET_ARN',
  'portal-client-secret': 'PORTAL_OIDC_CLIENT_SECRET_ARN',
} as const satisfies Record<SecretName, keyof EnvOf<'secretArns'>>;

/**
 * The deployed functions' secrets: the named ones from Secrets Manager, by the ARNs in the environment. The ARNs are
 * optional in the schema (the local runtime has its secrets in memory), so a Lambda that needs one fails fast here.
 */
export function secretsManagerSecretsFrom(
  client: SecretsManagerClient,
  env: EnvOf<'secretArns'>,
  names: readonly SecretName[],
): SecretsManagerSecrets {
  const arns: Partial<Record<SecretName, string>> = {};
  const missing: string[] = [];
  for (const name of names) {
    const arn = env[arnVariables[name]];
    if (arn) arns[name] = arn;
    else missing.push(`${arnVariables[name]}: is required but not set`);
  }
  if (missing.length > 0) throw new ConfigurationError(missing);
  return new SecretsManagerSecrets(client, { arns });
}
