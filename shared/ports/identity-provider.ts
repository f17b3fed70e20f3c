/** Who the identity provider says signed in, from a verified ID token. */
export interface SignedInIdentity {
  subject: string;
  name: string;
  /** The groups claim as sent: group names, DNs or ids. */
  groups: string[];
}

/**
 * The organisation's OpenID provider (Cognito federated to it when deployed; the local identity provider on the
 * runtime): authorization code flow with PKCE, for one confidential client.
 */
export interface IdentityProvider {
  authorizationUrl(request: { state: string; nonce: string; codeChallenge: string }): Promise<string>;
  /** Redeems the code and verifies the ID token (signature, issuer, audience, expiry, nonce); throws when any fails. */
  redeem(request: { code: string; codeVerifier: string; nonce: string }): Promise<SignedInIdentity>;
}
