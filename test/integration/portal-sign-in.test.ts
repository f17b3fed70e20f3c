import { demoUsers } from '../../local/demo-directory/seed.js';
import { portalHtml } from '../../web/assets.generated.js';
import { signInAtLocalIdp } from '../support/local-idp.js';
import { PortalClient } from '../support/portal-client.js';
import { useLocalBlink } from '../support/local-blink.js';
import { ManualClock } from '../support/manual-clock.js';

// The admin portal's sign-in on the local runtime: the embedded identity provider, the demo directory's groups, the
// session cookie, CSRF and the session limits. The clock is manual so that idle and absolute expiry can be stepped
// over (the identity provider keeps real time: it only issues the ID token, checked at sign-in).
const clock = new ManualClock(new Date());
const blink = useLocalBlink({ identityProvider: 'local', clock });
const passwordOf = (samAccountName: string) =>
  demoUsers.find((user) => user.samAccountName === samAccountName)?.password ?? '';

async function signedInTechnician() {
  const portal = new PortalClient(blink);
  const callback = await portal.signIn('tina.tech', passwordOf('tina.tech'));
  expect(callback.status).toBe(200);
  return portal;
}

test('without a session the page is only its static shell, the API answers 401 and sign-in starts', async () => {
  const portal = new PortalClient(blink);
  // The page is a static file (S3 when deployed): the same bytes for anyone, no user data; its script goes to sign-in.
  const page = await portal.request('/admin/');
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  expect(await page.text()).toBe(portalHtml);
  const script = await portal.request('/admin/portal/portal.js');
  expect(await script.text()).toContain('/admin/portal/sign-in');
  const start = await portal.request('/admin/portal/sign-in');
  expect(start.status).toBe(302);
  expect(start.headers.get('location')).toMatch(new RegExp(`^${blink.identityProvider?.issuer}/auth\\?`));
  expect(new URL(start.headers.get('location') ?? '').searchParams.get('code_challenge_method')).toBe('S256');
  expect((await portal.request('/admin/portal/api/session')).status).toBe(401);
});

test('a technician signs in: an httpOnly, SameSite=Strict session cookie, the page, and their name and role', async () => {
  const portal = new PortalClient(blink);
  const callback = await portal.signIn('tina.tech', passwordOf('tina.tech'));
  expect(callback.status).toBe(200);
  const sessionCookie = portal.lastSetCookies.find((line) => line.startsWith('blink-portal='));
  expect(sessionCookie).toMatch(/; HttpOnly/);
  expect(sessionCookie).toMatch(/; SameSite=Strict/);
  expect(await callback.text()).toContain('http-equiv="refresh" content="0;url=/admin/"');
  const page = await portal.request('/admin/');
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  expect(await page.text()).toContain('/admin/portal/portal.js');
  const session = await portal.session();
  expect(session).toMatchObject({ name: 'Tina Tech', roles: ['technician'] });
  expect(session.csrfToken).toMatch(/^[\w-]{43}$/);
});

test('an admin through a nested group gets both roles', async () => {
  const portal = new PortalClient(blink);
  await portal.signIn('adam.itadmin', passwordOf('adam.itadmin'));
  expect((await portal.session()).roles).toEqual(['admin', 'technician']);
});

test('a user in neither group is refused after signing in, with a plain message and no session', async () => {
  const portal = new PortalClient(blink);
  const callback = await portal.signIn('jane.doe', passwordOf('jane.doe'));
  expect(callback.status).toBe(403);
  expect(await callback.text()).toContain('your account is in neither of the groups that may use this portal');
  expect(portal.cookies.has('blink-portal')).toBe(false);
  expect((await portal.request('/admin/portal/api/session')).status).toBe(401);
});

test('a callback completes only in the browser that started the sign-in, and only once', async () => {
  const victim = new PortalClient(blink);
  const start = await victim.request('/admin/portal/sign-in');
  const attacker = new PortalClient(blink);
  const result = await signInAtLocalIdp(start.headers.get('location') ?? '', 'tina.tech', passwordOf('tina.tech'));
  if (!('callbackUrl' in result)) throw new Error('sign-in refused');
  // Another browser (no sign-in cookie) cannot use the code: login CSRF and stolen callback URLs fail.
  expect((await attacker.request(result.callbackUrl)).status).toBe(400);
  expect(attacker.cookies.has('blink-portal')).toBe(false);
  expect((await victim.request(result.callbackUrl)).status).toBe(200);
  // Replayed in the right browser: the pending sign-in is gone.
  const replay = new PortalClient(blink);
  replay.cookies.set('blink-portal-signin', new URL(result.callbackUrl).searchParams.get('state') ?? '');
  expect((await replay.request(result.callbackUrl)).status).toBe(400);
});

test('sign-out needs the CSRF token and the portal Origin; afterwards the session is dead', async () => {
  const portal = await signedInTechnician();
  expect((await portal.change('/admin/portal/sign-out', {}, { 'x-csrf-token': 'forged' })).status).toBe(403);
  expect((await portal.change('/admin/portal/sign-out', {}, { 'x-csrf-token': '' })).status).toBe(403);
  expect((await portal.change('/admin/portal/sign-out', {}, { origin: 'http://evil.example' })).status).toBe(403);
  expect((await portal.change('/admin/portal/sign-out', {}, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
  const cookie = portal.cookies.get('blink-portal') ?? '';
  const signedOut = await portal.change('/admin/portal/sign-out', {});
  expect(signedOut.status).toBe(200);
  expect(portal.lastSetCookies.some((line) => line.startsWith('blink-portal=;') && /Max-Age=0/.test(line))).toBe(true);
  // The old cookie value no longer opens anything.
  portal.cookies.set('blink-portal', cookie);
  expect((await portal.request('/admin/portal/api/session')).status).toBe(401);
});

test('the portal routes are not a way around the admin token: /admin/enrollments still needs it', async () => {
  const portal = await signedInTechnician();
  expect((await portal.request('/admin/enrollments')).status).toBe(401);
});

test('a session ends after 30 minutes without a request', async () => {
  const portal = await signedInTechnician();
  clock.advanceSeconds(29 * 60);
  expect((await portal.request('/admin/portal/api/session')).status).toBe(200);
  clock.advanceSeconds(29 * 60);
  expect((await portal.request('/admin/portal/api/session')).status).toBe(200);
  clock.advanceSeconds(30 * 60);
  const expired = await portal.request('/admin/portal/api/session');
  expect(expired.status).toBe(401);
  expect(await expired.text()).toContain('after a time without activity');
});

test('a session ends 8 hours after sign-in even when in use', async () => {
  const portal = await signedInTechnician();
  for (let minutes = 0; minutes < 8 * 60 - 20; minutes += 20) {
    clock.advanceSeconds(20 * 60);
    expect((await portal.request('/admin/portal/api/session')).status).toBe(200);
  }
  clock.advanceSeconds(20 * 60);
  expect((await portal.request('/admin/portal/api/session')).status).toBe(401);
});

test('a sign-in left at the identity provider for more than 10 minutes does not complete', async () => {
  const portal = new PortalClient(blink);
  const start = await portal.request('/admin/portal/sign-in');
  const result = await signInAtLocalIdp(start.headers.get('location') ?? '', 'tina.tech', passwordOf('tina.tech'));
  if (!('callbackUrl' in result)) throw new Error('sign-in refused');
  clock.advanceSeconds(601);
  const callback = await portal.request(result.callbackUrl);
  expect(callback.status).toBe(400);
  expect(portal.cookies.has('blink-portal')).toBe(false);
});
