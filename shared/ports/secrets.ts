/** Named secrets the system needs. Values never leave memory and are never logged. */
export type SecretName = 'token-hmac-key' | 'directory-bind-password' | 'vapid-keys' | 'portal-client-secret';

export interface Secrets {
  get(name: SecretName): Promise<string>;
}
