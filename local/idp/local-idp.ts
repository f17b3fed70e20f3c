import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import * as z from 'zod';
import type { DirectorySettings } from '../compose.js';
import type { IdpConfig } from './idp-config.js';

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
const readySchema = z.object({ port: z.number().int().positive() });

/**
 * Starts the local stand-in for the organisation's identity provider: an OpenID provider (oidc-provider) whose login
 * page checks a directory account's password by an LDAP bind and puts the account's AD groups in the `groups` claim.
 * One confidential client (the admin portal) with a secret made for this run.
 */
export async function startLocalIdentityProvider(options: LocalIdentityProviderOptions): Promise<LocalIdentityProvider> {
  const clientId = 'blink-admin-portal';
  const clientSecret = randomBytes(32).toString('base64url');
  const config: IdpConfig = {
    port: options.port ?? 0,
    directory: { ...options.directory, caPem: await readFile(options.directory.caFile, 'utf8') },
    client: { clientId, clientSecret, redirectUris: options.redirectUris, postLogoutRedirectUris: options.postLogoutRedirectUris ?? [] },
  };
  // tsx runs the provider's TypeScript as ES modules; resolved from the repository, whatever the caller's directory.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'idp-process.mts')], {
    cwd: REPOSITORY_ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, NODE_NO_WARNINGS: '1', NODE_ENV: 'production' },
  });
  const exited = once(child, 'exit');
  child.stdin.write(`${JSON.stringify(config)}\n`);
  const lines = createInterface({ input: child.stdout });
  const firstLine = new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('error', reject);
    void exited.then(([code]) => reject(new Error(`the local identity provider exited with code ${String(code)} before listening`)));
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the local identity provider did not start in time')), options.startTimeoutMs ?? 20_000);
  });
  let port: number;
  try {
    port = readySchema.parse(JSON.parse(await Promise.race([firstLine, timeout]))).port;
  } catch (error) {
    child.kill('SIGTERM');
    throw error;
  } finally {
    clearTimeout(timer);
  }
  lines.close();
  return {
    issuer: `http://127.0.0.1:${port}`,
    clientId,
    clientSecret,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin.end();
      child.kill('SIGTERM');
      await exited;
    },
  };
}
