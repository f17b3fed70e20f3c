import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { startDemoDirectory, type DemoDirectoryServer } from '../../local/demo-directory/server.js';
import { demoDomain, demoUsers } from '../../local/demo-directory/seed.js';
import { startLocalIdentityProvider, type LocalIdentityProvider } from '../../local/idp/local-idp.js';
import { signInAtLocalIdp } from '../support/local-idp.js';
import { getSambaConnection, localDirectorySettings } from './support/samba.js';

// The local identity provider against the demo directory: a real OpenID code flow with PKCE, the password checked by
// an LDAP bind, the AD groups (nested ones included) in the ID token.
const redirectUri = 'http://127.0.0.1:9/admin/portal/callback';
const passwordOf = (samAccountName: string) =>
  demoUsers.find((user) => user.samAccountName === samAccountName)?.password ?? '';
const groupsOu = `OU=Groups,${demoDomain.baseDn}`;

let directory: DemoDirectoryServer;
let idp: LocalIdentityProvider;
let sambaIdp: LocalIdentityProvider;
let stateDir: string;

beforeAll(async () => {
  directory = await startDemoDirectory();
  stateDir = await mkdtemp(path.join(tmpdir(), 'blink-idp-'));
  const caFile = path.join(stateDir, 'ca.pem');
  await writeFile(caFile, directory.caPem);
  idp = await startLocalIdentityProvider({
    directory: {
      urls: directory.url,
      baseDn: directory.baseDn,
      bindDn: directory.bindDn,
      bindPassword: directory.bindPassword,
      caFile,
      startTls: false,
    },
    redirectUris: [redirectUri],
  });
  sambaIdp = await startLocalIdentityProvider({ directory: localDirectorySettings(), redirectUris: [redirectUri] });
});

afterAll(async () => {
  await sambaIdp?.stop();
  await idp?.stop();
  await directory?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

function authorizationRequest(provider = idp) {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const nonce = randomBytes(16).toString('base64url');
  const url = new URL(`${provider.issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: provider.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid profile groups',
    state,
    nonce,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  return { url: url.toString(), verifier, state, nonce };
}

async function redeem(code: string, verifier: string, provider = idp) {
  const response = await fetch(`${provider.issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${provider.clientId}:${provider.clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    }).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function signIn(username: string, password: string, provider = idp) {
  const request = authorizationRequest(provider);
  const result = await signInAtLocalIdp(request.url, username, password);
  if (!('callbackUrl' in result)) throw new Error(`sign-in refused with ${result.refusedStatus}`);
  const callback = new URL(result.callbackUrl);
  expect(`${callback.origin}${callback.pathname}`).toBe(redirectUri);
  expect(callback.searchParams.get('state')).toBe(request.state);
  return { request, code: callback.searchParams.get('code') ?? '' };
}

test('a technician signs in with their directory password and gets their groups, name and subject in the ID token', async () => {
  const { request, code } = await signIn('tina.tech', passwordOf('tina.tech'));
  const { status, body } = await redeem(code, request.verifier);
  expect(status).toBe(200);
  const { payload } = await jwtVerify(String(body.id_token), createRemoteJWKSet(new URL(`${idp.issuer}/jwks`)), {
    issuer: idp.issuer,
    audience: idp.clientId,
  });
  expect(payload).toMatchObject({ name: 'Tina Tech', preferred_username: 'tina.tech', nonce: request.nonce });
  expect(payload.sub).toMatch(/^[0-9a-f-]{36}$/);
  expect(payload.groups).toEqual([`CN=Blink Technicians,${groupsOu}`]);
});

test('nested groups are in the claim: an admin through IT Operations', async () => {
  const { request, code } = await signIn('adam.itadmin@corp.example.test', passwordOf('adam.itadmin'));
  const { body } = await redeem(code, request.verifier);
  const claims = JSON.parse(Buffer.from(String(body.id_token).split('.')[1] ?? '', 'base64url').toString('utf8')) as {
    groups: string[];
  };
  expect(claims.groups.map((dn) => dn.toLowerCase()).sort()).toEqual(
    [`CN=Blink Admins,${groupsOu}`, `CN=IT Operations,${groupsOu}`].map((dn) => dn.toLowerCase()).sort(),
  );
});

test('a wrong password, or an unknown account, gets the same refusal and no code', async () => {
  const wrong = await signInAtLocalIdp(authorizationRequest().url, 'tina.tech', 'Not-Her-Password-1');
  const unknown = await signInAtLocalIdp(authorizationRequest().url, 'nobody.here', 'Not-Her-Password-1');
  for (const result of [wrong, unknown]) {
    expect(result).toMatchObject({ refusedStatus: 401 });
    expect('page' in result && result.page).toContain('Wrong user name or password.');
  }
});

test('the code is single use and needs the PKCE verifier', async () => {
  const { request, code } = await signIn('jane.doe', passwordOf('jane.doe'));
  expect((await redeem(code, randomBytes(32).toString('base64url'))).status).toBe(400);
  const again = await signIn('jane.doe', passwordOf('jane.doe'));
  expect((await redeem(again.code, again.request.verifier)).status).toBe(200);
  expect((await redeem(again.code, again.request.verifier)).status).toBe(400);
  expect(request.verifier).not.toBe(again.request.verifier);
});

test('an authorization request without PKCE is refused', async () => {
  const url = new URL(authorizationRequest().url);
  url.searchParams.delete('code_challenge');
  url.searchParams.delete('code_challenge_method');
  const response = await fetch(url, { redirect: 'manual' });
  expect(response.status).toBe(303);
  expect(new URL(response.headers.get('location') ?? '').searchParams.get('error')).toBe('invalid_request');
});

test('against Samba AD: the nested admin group and the technician group reach the claim; a user in neither has no role group', async () => {
  const { fixtures } = getSambaConnection();
  const groupsAt = async (samAccountName: string) => {
    const { request, code } = await signIn(samAccountName, fixtures.fixturePassword, sambaIdp);
    const { body } = await redeem(code, request.verifier, sambaIdp);
    const { payload } = await jwtVerify(String(body.id_token), createRemoteJWKSet(new URL(`${sambaIdp.issuer}/jwks`)), {
      issuer: sambaIdp.issuer,
      audience: sambaIdp.clientId,
    });
    expect(payload.sub).toBe(
      Object.values(fixtures.users).find((user) => user.samAccountName === samAccountName)?.objectGuid,
    );
    return (payload.groups as string[]).map((dn) => dn.toLowerCase());
  };
  expect(await groupsAt('tina.tech')).toContain(fixtures.groups.blinkTechnicians.dn.toLowerCase());
  const adminGroups = await groupsAt('adam.itadmin');
  expect(adminGroups).toEqual(
    expect.arrayContaining(
      [fixtures.groups.blinkAdmins.dn, fixtures.groups.itOperations.dn].map((dn) => dn.toLowerCase()),
    ),
  );
  const neither = await groupsAt(fixtures.users.alice.samAccountName);
  expect(neither).not.toContain(fixtures.groups.blinkTechnicians.dn.toLowerCase());
  expect(neither).not.toContain(fixtures.groups.blinkAdmins.dn.toLowerCase());
  const wrong = await signInAtLocalIdp(authorizationRequest(sambaIdp).url, 'tina.tech', 'Wrong-Password-9!');
  expect(wrong).toMatchObject({ refusedStatus: 401 });
});
