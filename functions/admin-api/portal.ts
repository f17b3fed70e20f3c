import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import { ForbiddenError, ValidationError } from '../../shared/domain/errors.js';
import { baseHeaders, jsonResponse } from '../../shared/http/responses.js';
import type { PortalUseCases, PortalUser } from '../../shared/use-cases/portal/index.js';
import type { PortalRole } from '../../shared/domain/portal.js';
import { portalMessagePage } from './portal-pages.js';
import { workerReplyResponse } from './responses.js';
import type { AdminUseCases } from '../../shared/use-cases/admin/index.js';
import { pathId, requestIdOf } from './request-fields.js';
import { parseJsonBody } from '../../shared/http/request-body.js';
import { USER_LIST_FILTERS, isUserListFilter, type UserListFilter } from '../../shared/domain/user-search.js';
import { portalAdminRoutes } from './portal-admin.js';

const confirmSchema = z.strictObject({ code: z.string().max(20) });
const emergencySchema = z.strictObject({ reason: z.string().max(2000) });

type Handler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
export interface PortalRoute {
  method: 'GET' | 'POST';
  path: string;
  handler: Handler;
}

/** Same-origin script, style, fetches and form posts only; no inline script or style; no framing. */
export const portalContentSecurityPolicy =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
/** The headers of the portal's page and files: the same locally and from S3 (infra/constructs/static-files.ts). */
export const portalPageHeaders: Readonly<Record<string, string>> = {
  ...baseHeaders,
  'content-security-policy': portalContentSecurityPolicy,
};

/** The portal's cookies: `__Host-` names (Secure, Path=/, no Domain) on https; plain names locally over http. */
export function portalCookies(portalBaseUrl: string) {
  const secure = new URL(portalBaseUrl).protocol === 'https:';
  const session = secure ? '__Host-blink-portal' : 'blink-portal';
  const signIn = secure ? '__Host-blink-portal-signin' : 'blink-portal-signin';
  const attributes = (sameSite: 'Strict' | 'Lax', maxAgeSeconds?: number) =>
    [
      `Path=/`,
      'HttpOnly',
      `SameSite=${sameSite}`,
      ...(secure ? ['Secure'] : []),
      ...(maxAgeSeconds !== undefined ? [`Max-Age=${maxAgeSeconds}`] : []),
    ].join('; ');
  return {
    sessionName: session,
    signInName: signIn,
    // Strict: no other site can make the browser send it. Session-lifetime: gone when the browser closes.
    setSession: (id: string) => `${session}=${id}; ${attributes('Strict')}`,
    clearSession: () => `${session}=; ${attributes('Strict', 0)}`,
    // Lax: it must come back on the identity provider's top-level redirect to the callback, another site deployed.
    setSignIn: (state: string, maxAgeSeconds: number) => `${signIn}=${state}; ${attributes('Lax', maxAgeSeconds)}`,
    clearSignIn: () => `${signIn}=; ${attributes('Lax', 0)}`,
  };
}

function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {}))
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  return undefined;
}

export function cookieOf(event: APIGatewayProxyEvent, name: string): string | undefined {
  const values = Object.entries(event.multiValueHeaders ?? {})
    .filter(([key]) => key.toLowerCase() === 'cookie')
    .flatMap(([, list]) => list ?? []);
  const all = values.length > 0 ? values : [header(event, 'cookie') ?? ''];
  for (const line of all) {
    for (const part of line.split(';')) {
      const separator = part.indexOf('=');
      if (separator > 0 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
    }
  }
  return undefined;
}

function redirect(location: string, cookies: string[] = []): APIGatewayProxyResult {
  return {
    statusCode: 302,
    headers: { ...baseHeaders, location },
    ...(cookies.length > 0 ? { multiValueHeaders: { 'set-cookie': cookies } } : {}),
    body: '',
  };
}

function html(statusCode: number, body: string, cookies: string[] = []): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { ...portalPageHeaders, 'content-type': 'text/html; charset=utf-8' },
    ...(cookies.length > 0 ? { multiValueHeaders: { 'set-cookie': cookies } } : {}),
    body,
  };
}

/** The Users list's search text, filter and cursor from the query string. */
function usersRequestOf(event: APIGatewayProxyEvent): { query?: string; filter?: UserListFilter; cursor?: string } {
  const query = event.queryStringParameters ?? {};
  const filter = query['filter'];
  if (filter !== undefined && filter !== '' && !isUserListFilter(filter))
    throw new ValidationError(`filter must be one of ${USER_LIST_FILTERS.join(', ')}.`);
  return {
    ...(query['q'] ? { query: query['q'] } : {}),
    ...(filter ? { filter } : {}),
    ...(query['cursor'] ? { cursor: query['cursor'] } : {}),
  };
}

/**
 * The portal's routes on the admin API: pages and sign-in (/admin/, /admin/portal/…) and its JSON API
 * (/admin/portal/api/…). They authenticate with the session cookie themselves; the IAM (locally: bearer) routes of
 * the admin API stay as they are. Every change needs the session's CSRF token, the portal's Origin and, when the
 * browser sends it, Sec-Fetch-Site: same-origin.
 */
export function portalRoutes(portal: PortalUseCases, admin: AdminUseCases, settings: { portalBaseUrl: string }) {
  const cookies = portalCookies(settings.portalBaseUrl);
  const portalOrigin = new URL(settings.portalBaseUrl).origin;

  const signedIn = async (event: APIGatewayProxyEvent): Promise<PortalUser> =>
    portal.authenticate(cookieOf(event, cookies.sessionName));

  /** A change (POST): the session, then the same-origin checks, then the CSRF token. */
  const changeBy = async (event: APIGatewayProxyEvent): Promise<PortalUser> => {
    const user = await signedIn(event);
    const fetchSite = header(event, 'sec-fetch-site');
    if (header(event, 'origin') !== portalOrigin || (fetchSite !== undefined && fetchSite !== 'same-origin')) {
      throw new ForbiddenError('The portal refuses changes sent from another site.');
    }
    portal.requireCsrfToken(user, header(event, 'x-csrf-token'));
    return user;
  };

  const changeAs = async (event: APIGatewayProxyEvent, role: PortalRole): Promise<PortalUser> => {
    const user = await changeBy(event);
    portal.requireRole(user, role);
    return user;
  };

  /** A change (POST) to one user, `/admin/portal/api/users/{userGuid}/<action>`, by a caller in `role`. */
  const userChange = (
    action: string,
    role: PortalRole,
    answer: (caller: PortalUser, userGuid: string, event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>,
  ): PortalRoute => ({
    method: 'POST',
    path: `/admin/portal/api/users/{userGuid}/${action}`,
    handler: async (event) => answer(await changeAs(event, role), pathId(event, 'userGuid'), event),
  });

  // The page (/admin/) and its files are static: S3 when deployed, local/portal-files.ts on the runtime.
  const routes: PortalRoute[] = [
    {
      method: 'GET',
      path: '/admin/portal/sign-in',
      handler: async () => {
        const { state, authorizationUrl } = await portal.beginSignIn();
        return redirect(authorizationUrl, [cookies.setSignIn(state, 600)]);
      },
    },
    {
      method: 'GET',
      path: '/admin/portal/callback',
      handler: async (event) => {
        const query = event.queryStringParameters ?? {};
        const clear = [cookies.clearSignIn()];
        if (query['error'] || !query['code'] || !query['state']) {
          return html(
            400,
            portalMessagePage('Sign-in did not finish', 'The identity provider did not sign you in.'),
            clear,
          );
        }
        const result = await portal.completeSignIn({
          state: query['state'],
          cookieState: cookieOf(event, cookies.signInName),
          code: query['code'],
          requestId: requestIdOf(event),
        });
        if (result.outcome === 'no-role') {
          return html(
            403,
            portalMessagePage(
              'No access to the Blink portal',
              `You are signed in as ${result.name}, but your account is in neither of the groups that may use this portal. Ask your IT administrators if you need access.`,
              false,
            ),
            clear,
          );
        }
        if (result.outcome === 'failed') {
          return html(
            400,
            portalMessagePage(
              'Sign-in did not finish',
              'This sign-in link was already used, has expired, or was started in another browser.',
            ),
            clear,
          );
        }
        // A page, not a redirect: the Strict cookie set here is only sent on a navigation this site starts itself.
        return html(200, portalMessagePage('Signed in', 'Opening the portal…', false, '/admin/'), [
          ...clear,
          cookies.setSession(result.sessionId),
        ]);
      },
    },
    {
      method: 'GET',
      path: '/admin/portal/api/session',
      handler: async (event) => {
        const user = await signedIn(event);
        return jsonResponse(200, {
          name: user.name,
          subject: user.subject,
          roles: user.roles,
          csrfToken: user.csrfToken,
          endsAt: user.endsAt.toISOString(),
        });
      },
    },
    {
      method: 'POST',
      path: '/admin/portal/sign-out',
      handler: async (event) => {
        const user = await changeBy(event);
        await portal.signOut(user, requestIdOf(event));
        return {
          ...jsonResponse(200, { signedOut: true }),
          multiValueHeaders: { 'set-cookie': [cookies.clearSession()] },
        };
      },
    },
    {
      method: 'GET',
      path: '/admin/portal/api/users',
      handler: async (event) => {
        portal.requireRole(await signedIn(event), 'technician');
        return jsonResponse(200, await portal.findUsers(usersRequestOf(event)));
      },
    },
    {
      method: 'GET',
      path: '/admin/portal/api/users/{userGuid}',
      handler: async (event) => {
        const technician = await signedIn(event);
        portal.requireRole(technician, 'technician');
        const userGuid = pathId(event, 'userGuid');
        const [detail, callerVerifiedUntil] = await Promise.all([
          portal.userDetail(userGuid),
          portal.callerVerifiedUntil(technician, userGuid),
        ]);
        return jsonResponse(200, {
          ...detail,
          ...(callerVerifiedUntil ? { callerVerifiedUntil: callerVerifiedUntil.toISOString() } : {}),
        });
      },
    },
    userChange('verify-caller', 'technician', async (technician, userGuid, event) =>
      jsonResponse(200, await portal.sendCallerCode(technician, userGuid, requestIdOf(event))),
    ),
    userChange('verify-caller/confirm', 'technician', async (technician, userGuid, event) => {
      const { code } = parseJsonBody(event, confirmSchema);
      return jsonResponse(200, await portal.confirmCaller(technician, userGuid, code, requestIdOf(event)));
    }),
    userChange('verify-caller/app', 'technician', async (technician, userGuid, event) =>
      jsonResponse(200, await portal.requestCallerApproval(technician, userGuid, requestIdOf(event))),
    ),
    {
      method: 'GET',
      path: '/admin/portal/api/users/{userGuid}/verify-caller/app',
      handler: async (event) => {
        const technician = await signedIn(event);
        portal.requireRole(technician, 'technician');
        return jsonResponse(200, await portal.callerApprovalStatus(technician, pathId(event, 'userGuid')));
      },
    },
    userChange('resend-activation', 'technician', async (technician, userGuid, event) =>
      workerReplyResponse(await portal.resendActivation(technician, userGuid, requestIdOf(event))),
    ),
    {
      method: 'POST',
      path: '/admin/portal/api/devices/{deviceId}/revoke',
      handler: async (event) => {
        const user = await changeAs(event, 'admin');
        const deviceId = pathId(event, 'deviceId');
        const { userGuid } = await admin.revokeDevice(deviceId, { requestId: requestIdOf(event), actor: user.actor });
        return jsonResponse(200, { deviceId, userGuid, status: 'revoked' });
      },
    },
    ...(['unlock', 'reset'] as const).map((kind) =>
      userChange(kind, 'technician', async (technician, userGuid, event) =>
        jsonResponse(202, await portal.helpDeskAction(technician, userGuid, kind, requestIdOf(event))),
      ),
    ),
    {
      // The Users list as CSV, a page at a time (the next page's cursor in a header): the page script joins them.
      method: 'GET',
      path: '/admin/portal/api/users.csv',
      handler: async (event) => {
        const technician = await signedIn(event);
        portal.requireRole(technician, 'technician');
        const { csv, cursor } = await portal.exportUsers(technician, {
          ...usersRequestOf(event),
          requestId: requestIdOf(event),
        });
        return {
          statusCode: 200,
          headers: {
            ...baseHeaders,
            'content-type': 'text/csv; charset=utf-8',
            'content-disposition': 'attachment; filename="blink-users.csv"',
            ...(cursor ? { 'x-blink-next-cursor': cursor } : {}),
          },
          body: csv,
        };
      },
    },
    {
      // Who is locked now, asked of AD through the worker (as `npm run admin -- locked`), with what the scan did.
      method: 'GET',
      path: '/admin/portal/api/locked',
      handler: async (event) => {
        portal.requireRole(await signedIn(event), 'technician');
        return workerReplyResponse(await admin.askDirectoryWorker({ action: 'locked', requestId: requestIdOf(event) }));
      },
    },
    // A caller who lost their phone: Admins only, with a reason; revokes the phone and re-activates by email.
    userChange('emergency', 'admin', async (admin, userGuid, event) => {
      const { reason } = parseJsonBody(event, emergencySchema);
      return jsonResponse(200, await portal.emergencyRecovery(admin, userGuid, reason, requestIdOf(event)));
    }),
    // Admin only: Activate and Reports.
    ...portalAdminRoutes(portal, { signedIn, changeAs }),
  ];
  return { routes, changeBy, signedIn };
}
