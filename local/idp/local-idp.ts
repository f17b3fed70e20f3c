import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DirectorySettings } from '../compose.js';
import type { IdpConfig } from './idp-config.js';
import { startLoopbackChild } from '../stand-ins/child-process.js';

export interface LocalIdentityProvider {
  /** http://127.0.0.1:PORT: the OpenID issuer (discovery at /.well-known/openid-configuration). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  stop(): Promise<void>;
}

export interface LocalIdentityProviderOptions {
  directory: DirectorySettings;
  /** The portal's callback URL(s), registered for the one client. */
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  port?: number;
  startTimeoutMs?: number;
}

const REPOSITORY_ROOT = path.resolve(__dirname, '..', '..');

/**
 * Starts the local stand-in for the organisation's identity provider: an OpenID provider (oidc-provider) whose login
 * page checks a directory account's password by an LDAP bind and puts the account's AD groups in the `groups` claim.
 * One confidential client (the admin portal) with a secret made for this run.
 */
export async function startLocalIdentityProvider(
  options: LocalIdentityProviderOptions,
): Promise<LocalIdentityProvider> {
  const clientId = 'blink-admin-portal';
  const clientSecret = randomBytes(32).toString('base64url');
  const config: IdpConfig = {
    port: options.port ?? 0,
    directory: { ...options.directory, caPem: await readFile(options.directory.caFile, 'utf8') },
    client: {
      clientId,
      clientSecret,
      redirectUris: options.redirectUris,
      postLogoutRedirectUris: options.postLogoutRedirectUris ?? [],
    },
  };
  // tsx runs the provider's TypeScript as ES modules; resolved from the repository, whatever the caller's directory.
  const child = await startLoopbackChild({
    name: 'the local identity provider',
    args: ['--import', 'tsx', path.join(__dirname, 'idp-process.mts')],
    cwd: REPOSITORY_ROOT,
    env: { NODE_ENV: 'production' },
    input: `${JSON.stringify(config)}\n`,
    startTimeoutMs: options.startTimeoutMs ?? 20_000,
  });
  return { issuer: `http://127.0.0.1:${child.port}`, clientId, clientSecret, stop: () => child.stop() };
}
