// The local identity provider: oidc-provider (ES modules only, which jest's CommonJS runtime cannot load) in its own
// Node process (run with tsx), on 127.0.0.1 only. Reads its configuration as one JSON line on stdin (the directory's
// bind password stays out of argv and the environment), prints {"port":N} once listening, exits when stdin closes
// or on SIGTERM, so a crashed parent leaves no server behind.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { idpConfigSchema, loginPageHeaders, renderLoginPage } from './idp-config.js';
import { DirectorySignIn, type DirectoryAccount } from './directory-sign-in.js';
import { InMemoryAdapter } from './memory-adapter.mjs';

const lines = createInterface({ input: process.stdin });
const firstLine = await new Promise<string>((resolve) => lines.once('line', resolve));
const config = idpConfigSchema.parse(JSON.parse(firstLine));
const signIn = new DirectorySignIn(config.directory);
const pageHeaders = loginPageHeaders([...new Set(config.client.redirectUris.map((uri) => new URL(uri).origin))]);
/** Accounts by subject, as read at their last sign-in (the ID token's claims come from here). */
const accounts = new Map<string, DirectoryAccount>();

const server = createServer();
await new Promise<void>((resolve) => server.listen(config.port, '127.0.0.1', resolve));
const address = server.address();
const port = typeof address === 'object' && address ? address.port : 0;
const issuer = `http://127.0.0.1:${port}`;

const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
const scopes = 'openid profile groups';
const configuration: Configuration = {
  adapter: InMemoryAdapter,
  clients: [
    {
      client_id: config.client.clientId,
      client_secret: config.client.clientSecret,
      redirect_uris: config.client.redirectUris,
      post_logout_redirect_uris: config.client.postLogoutRedirectUris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [{ ...signingKey, kid: randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' }] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  pkce: { required: () => true },
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'], groups: ['groups'] },
  // The portal reads name and groups from the ID token, as it does from Cognito's.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 8 * 3600, Grant: 8 * 3600 },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: (_ctx, sub) => {
    const account = accounts.get(sub);
    if (!account) return undefined;
    return {
      accountId: sub,
      claims: () => ({
        sub,
        name: account.name,
        preferred_username: account.preferredUsername,
        groups: account.groups,
      }),
    };
  },
  // The portal is the organisation's own application: no consent screen, as an IdP admin would configure it.
  loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
    const { client, session } = ctx.oidc;
    if (!client || !session?.accountId) return undefined;
    const existing = session.grantIdFor(client.clientId);
    if (existing) {
      const grant = await ctx.oidc.provider.Grant.find(existing);
      if (grant) return grant;
    }
    const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
    grant.addOIDCScope(scopes);
    grant.addOIDCClaims(['name', 'preferred_username', 'groups']);
    await grant.save();
    return grant;
  },
};
const provider = new Provider(issuer, configuration);
const protocol = provider.callback();

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 8 * 1024) throw new Error('form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sendPage(response: ServerResponse, status: number, html: string) {
  response.writeHead(status, { ...pageHeaders, 'content-type': 'text/html; charset=utf-8' });
  response.end(html);
}

async function interaction(
  request: IncomingMessage,
  response: ServerResponse,
  uid: string,
  action: string | undefined,
) {
  const details = await provider.interactionDetails(request, response);
  if (details.uid !== uid)
    return sendPage(response, 400, renderLoginPage({ uid, error: 'This sign-in expired. Start again from Blink.' }));
  if (request.method === 'GET' && action === undefined) return sendPage(response, 200, renderLoginPage({ uid }));
  if (request.method === 'POST' && action === 'login') {
    const form = await readForm(request);
    const username = form.get('username') ?? '';
    const account = await signIn.signIn(username, form.get('password') ?? '');
    if (!account)
      return sendPage(response, 401, renderLoginPage({ uid, username, error: 'Wrong user name or password.' }));
    accounts.set(account.sub, account);
    return provider.interactionFinished(
      request,
      response,
      { login: { accountId: account.sub } },
      { mergeWithLastSubmission: false },
    );
  }
  return sendPage(response, 405, renderLoginPage({ uid, error: 'Method not allowed.' }));
}

server.on('request', (request: IncomingMessage, response: ServerResponse) => {
  const route = /^\/interaction\/([\w-]+)(?:\/(login))?$/.exec(new URL(request.url ?? '/', issuer).pathname);
  if (!route) return void protocol(request, response);
  interaction(request, response, route[1] ?? '', route[2]).catch(() => {
    if (!response.headersSent)
      sendPage(
        response,
        400,
        renderLoginPage({ uid: route[1] ?? '', error: 'This sign-in expired. Start again from Blink.' }),
      );
    else response.destroy();
  });
});

process.stdout.write(`${JSON.stringify({ port })}\n`);

let closing = false;
const shutdown = async () => {
  if (closing) return;
  closing = true;
  server.closeAllConnections();
  server.close();
  await signIn.close().catch(() => undefined);
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
lines.on('close', () => void shutdown());
