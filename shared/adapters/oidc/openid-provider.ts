import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import * as z from 'zod';
import type { IdentityProvider, SignedInIdentity } from '../../ports/identity-provider.js';
import { groupsOfClaim } from '../../domain/portal.js';

export interface OpenIdProviderOptions {
  /** The issuer URL exactly as the provider names itself (discovery at <issuer>/.well-known/openid-configuration). */
  issuer: string;
  clientId: string;
  clientSecret: () => Promise<string>;
  redirectUri: string;
  /** The claim that carries the groups (default `groups`; Cognito: `cognito:groups`). */
  groupsClaim: string;
  /** Space-separated scopes to ask for (default `openid profile groups`; Cognito: `openid profile`). */
  scopes?: string;
  timeoutMs?: number;
}

const discoverySchema = z.object({
  issuer: z.string(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  jwks_uri: z.url(),
});
const tokenResponseSchema = z.object({ id_token: z.string().min(1) });

/** The OpenID provider over HTTPS with jose: discovery once per instance, client_secret_basic, RS256/ES256 ID tokens. */
export class OpenIdProvider implements IdentityProvider {
  private metadata?: Promise<{ discovery: z.output<typeof discoverySchema>; keys: JWTVerifyGetKey }>;

  constructor(private readonly options: OpenIdProviderOptions) {}

  async authorizationUrl(request: { state: string; nonce: string; codeChallenge: string }): Promise<string> {
    const { discovery } = await this.discover();
    const url = new URL(discovery.authorization_endpoint);
    url.searchParams.set('client_id', this.options.clientId);
    url.searchParams.set('redirect_uri', this.options.redirectUri);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('scope', this.options.scopes ?? 'openid profile groups');
    url.searchParams.set('state', request.state);
    url.searchParams.set('nonce', request.nonce);
    url.searchParams.set('code_challenge', request.codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
    return url.toString();
  }

  async redeem(request: { code: string; codeVerifier: string; nonce: string }): Promise<SignedInIdentity> {
    const { discovery, keys } = await this.discover();
    const credentials = `${encodeURIComponent(this.options.clientId)}:${encodeURIComponent(await this.options.clientSecret())}`;
    const response = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        authorization: `Basic ${Buffer.from(credentials).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: request.code,
        redirect_uri: this.options.redirectUri,
        code_verifier: request.codeVerifier,
      }).toString(),
      redirect: 'error',
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
    });
    if (!response.ok) throw new Error(`the identity provider refused the code (HTTP ${response.status})`);
    const { id_token: idToken } = tokenResponseSchema.parse(await response.json());
    const { payload } = await jwtVerify(idToken, keys, {
      issuer: this.options.issuer,
      audience: this.options.clientId,
      algorithms: ['RS256', 'ES256'],
      requiredClaims: ['sub', 'exp', 'iat', 'nonce'],
    });
    if (payload.nonce !== request.nonce) throw new Error('the ID token was issued for another sign-in (nonce)');
    const name = [payload.name, payload.preferred_username, payload.email].find(
      (value) => typeof value === 'string' && value !== '',
    );
    return {
      subject: payload.sub ?? '',
      name: typeof name === 'string' ? name : (payload.sub ?? ''),
      groups: groupsOfClaim(payload[this.options.groupsClaim]),
    };
  }

  private discover() {
    this.metadata ??= (async () => {
      const response = await fetch(`${this.options.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, {
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
      if (!response.ok) throw new Error(`OpenID discovery failed (HTTP ${response.status})`);
      const discovery = discoverySchema.parse(await response.json());
      if (discovery.issuer !== this.options.issuer)
        throw new Error(`the provider calls itself ${discovery.issuer}, not ${this.options.issuer}`);
      return { discovery, keys: createRemoteJWKSet(new URL(discovery.jwks_uri)) };
    })().catch((error: unknown) => {
      // A provider that was down must be asked again by the next sign-in.
      this.metadata = undefined;
      throw error;
    });
    return this.metadata;
  }
}
