import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import { deviceHeaders, devicePublicKeySchema, samePublicKey } from '../../../shared/domain/device-signature.js';
import { isPushPlatform, pushTokenSchemas } from '../../../shared/domain/push-token.js';
import { errorBody, jsonResponse } from '../../../shared/http/responses.js';
import type {
  AppRequestKind,
  AppRequestUseCases,
  CallerApprovalUseCases,
} from '../../../shared/use-cases/app-requests/index.js';
import type { DeviceUseCases, SignedDeviceRequest } from '../../../shared/use-cases/enrollment/index.js';
import type { DeviceAuthentication } from '../../../shared/use-cases/enrollment/device.js';
import type { ApiRoute } from '../handler.js';
import type { AuthenticatedDevice } from '../../../shared/use-cases/app-requests/index.js';
import type { WebAuthnUseCases } from '../../../shared/use-cases/app/webauthn.js';
import { bodyText, header, parseJsonBody } from './json-body.js';
import { requestFacts } from './setup.js';
import { UUID_PATTERN } from '../../../shared/validation/uuid.js';
import type { WebPushUseCases } from '../../../shared/use-cases/web-push/index.js';

/**
 * The push token is checked against its platform's token format here, at the edge: it is a token, never an ARN or
 * anything else SNS could be pointed at (the server makes the endpoint from it), and platforms without a push
 * service send none.
 */
/**
 * WebAuthn responses as @simplewebauthn/browser sends them (base64url fields); the library checks the rest. The size
 * limits leave room for post-quantum ML-DSA signatures (about 3.3 KB in base64url), which Chromium may use.
 */
const base64url = (max: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .max(max);
const credentialFields = {
  id: base64url(1024),
  rawId: base64url(1024),
  type: z.literal('public-key'),
  clientExtensionResults: z.record(z.string(), z.unknown()),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
};
const registrationResponseSchema = z.object({
  ...credentialFields,
  response: z.looseObject({
    clientDataJSON: base64url(4096),
    attestationObject: base64url(32_768),
    transports: z.array(z.string().max(32)).max(10).optional(),
  }),
});
const authenticationResponseSchema = z.object({
  ...credentialFields,
  response: z.looseObject({
    clientDataJSON: base64url(4096),
    authenticatorData: base64url(4096),
    signature: base64url(8192),
    userHandle: base64url(1024).optional(),
  }),
});

const registrationFields = {
  bindingCode: z.string().min(1).max(256),
  unlockMethod: z.enum(['none', 'pin', 'biometric']),
  platform: z.enum(['ios', 'android', 'other']),
  pushToken: z.string().min(1).max(512).optional(),
};

/**
 * Protocol v1 (the reference client): one P-256 key signs and receives passwords. Protocol v2 (the Blink app):
 * WebCrypto cannot use one key for ECDSA and ECDH, so a signing key and a different encryption key.
 */
const registerBody = z
  .union([
    z.object({ ...registrationFields, protocol: z.literal(1).optional(), publicKey: devicePublicKeySchema }),
    z
      .object({
        ...registrationFields,
        protocol: z.literal(2),
        signingKey: devicePublicKeySchema,
        encryptionKey: devicePublicKeySchema,
        webauthn: registrationResponseSchema.optional(),
      })
      .refine((body) => !samePublicKey(body.signingKey, body.encryptionKey), {
        path: ['encryptionKey'],
        message: 'must differ from the signing key',
      })
      // Touch ID/Face ID is enforced by the server: a v2 device that chose it registers its credential, and only it does.
      .refine((body) => (body.unlockMethod === 'biometric') === (body.webauthn !== undefined), {
        path: ['webauthn'],
        message: 'is required with the biometric unlock method, and only with it',
      }),
  ])
  .transform((body, context) => {
    const { pushToken } = body;
    const keys =
      body.protocol === 2
        ? { publicKey: body.signingKey, encryptionKey: body.encryptionKey, webauthnResponse: body.webauthn }
        : { publicKey: body.publicKey, webauthnResponse: undefined };
    const rest = { bindingCode: body.bindingCode, unlockMethod: body.unlockMethod, platform: body.platform, ...keys };
    if (pushToken === undefined) return rest;
    if (!isPushPlatform(body.platform)) {
      context.addIssue({
        code: 'custom',
        path: ['pushToken'],
        message: 'only ios and android devices have push tokens',
      });
      return z.NEVER;
    }
    const token = pushTokenSchemas[body.platform].safeParse(pushToken);
    if (!token.success) {
      context.addIssue({
        code: 'custom',
        path: ['pushToken'],
        message: token.error.issues[0]?.message ?? 'is not a push token',
      });
      return z.NEVER;
    }
    return { ...rest, pushToken: token.data };
  });

const bindingInvalidBody = errorBody(
  'BINDING_INVALID',
  'This QR code is not valid. Show a new QR code on the setup page and scan it again.',
);
export const unauthorizedBody = errorBody('DEVICE_UNAUTHORIZED', 'This device is not authorized.');
/** The same answer for an unknown, answered, expired or another user's caller verification request. */
const approvalNotFoundBody = errorBody(
  'NOT_FOUND',
  'This request from your help desk is no longer waiting for an answer.',
);
/** The same answer for an unknown request id and another device's request. */
const requestNotFoundBody = errorBody('NOT_FOUND', 'No such request.');

/** Unlinking takes no parameters: the signed device says who. */
const emptyBody = z.object({}).strict();
/** Reset and unlock: nothing, or the WebAuthn assertion of a device that unlocks with Touch ID/Face ID. */
const actionBody = z.object({ webauthn: authenticationResponseSchema.optional() }).strict();
const challengeBody = z.object({ action: z.enum(['reset', 'unlock', 'approve-caller']) }).strict();
/** The answer to a help desk's caller verification: approve (with the assertion of a biometric device) or deny. */
const callerApprovalBody = z
  .object({
    approvalId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{22}$/)
      .max(22),
    answer: z.enum(['approve', 'deny']),
    webauthn: authenticationResponseSchema.optional(),
  })
  .strict();
/** The user's choice of password-expiry reminders by app push. */
const expiryRemindersBody = z.object({ push: z.boolean() }).strict();
const registrationOptionsBody = z.object({ bindingCode: z.string().min(1).max(256) }).strict();

const webauthnInvalidBody = errorBody(
  'WEBAUTHN_INVALID',
  'Touch ID/Face ID could not be set up for Blink. Try again, or choose another unlock method.',
);
const userVerificationBody = errorBody(
  'USER_VERIFICATION_REQUIRED',
  'Blink could not confirm Touch ID/Face ID, so nothing was changed. Try again.',
);
const noCredentialBody = errorBody(
  'WEBAUTHN_NOT_REGISTERED',
  'This phone does not unlock Blink with Touch ID/Face ID.',
);

/**
 * A route for requests signed by a bound device. The signature is checked first: an unsigned or replayed request
 * learns nothing, not even whether its body was valid.
 */
export function signedDeviceRoute(
  devices: DeviceUseCases,
  route: Pick<ApiRoute, 'method' | 'path'>,
  answer: (
    authenticated: Extract<DeviceAuthentication, { ok: true }>,
    event: APIGatewayProxyEvent,
  ) => Promise<APIGatewayProxyResult>,
): ApiRoute {
  return {
    ...route,
    handler: async (event: APIGatewayProxyEvent) => {
      const authenticated = await devices.authenticate(signedRequest(event));
      if (!authenticated.ok) return jsonResponse(401, unauthorizedBody);
      return answer(authenticated, event);
    },
  };
}

/** The signed parts and x-blink-* headers of a device request, as API Gateway passes them. */
export function signedRequest(event: APIGatewayProxyEvent): SignedDeviceRequest {
  return {
    method: event.httpMethod,
    path: event.path,
    body: bodyText(event),
    deviceId: header(event, deviceHeaders.deviceId),
    timestamp: header(event, deviceHeaders.timestamp),
    nonce: header(event, deviceHeaders.nonce),
    signature: header(event, deviceHeaders.signature),
  };
}

/** Revokes the signed device itself (shared/use-cases/app/unlink.ts). */
export type UnlinkDevice = (device: AuthenticatedDevice, requestId?: string) => Promise<void>;

/**
 * The app's calls (docs/design/enrollment.md, docs/design/reset.md): registration with a binding code, then signed
 * requests: status, reset and unlock, the answer to a reset or unlock, and unlinking.
 */
export function deviceRoutes(
  devices: DeviceUseCases,
  appRequests: AppRequestUseCases,
  app: {
    unlink: UnlinkDevice;
    webauthn: WebAuthnUseCases;
    /** RESET_FORCE_CHANGE: a password answer says whether Windows asks for a new one at the next sign-in. */
    passwordMustChange: boolean;
    /** The lockout the status answer reports (recentLockout), when Web Push is wired. */
    webPush?: WebPushUseCases;
    /** A help desk's caller verification requests, listed to the user's app and answered by it. */
    callerApprovals?: CallerApprovalUseCases;
  },
): ApiRoute[] {
  const { webPush, callerApprovals } = app;
  const appRequest = (kind: AppRequestKind): ApiRoute =>
    signedDeviceRoute(devices, { method: 'POST', path: `/api/device/${kind}` }, async (authenticated, event) => {
      const body = parseJsonBody(event, actionBody);
      // A Touch ID/Face ID device acts only on a fresh, user-verified assertion for this very action.
      if (!(await app.webauthn.verifyAssertion(authenticated.device, kind, body.webauthn)))
        return jsonResponse(403, userVerificationBody);
      const { requestId } = await appRequests.request(kind, authenticated, event.requestContext?.requestId);
      return jsonResponse(202, { requestId });
    });

  return [
    {
      method: 'POST',
      path: '/api/device/register',
      handler: async (event: APIGatewayProxyEvent) => {
        const { webauthnResponse, ...body } = parseJsonBody(event, registerBody);
        // Verified before the binding code is consumed, so a failed Face ID set-up can be tried again with the same code.
        const webauthn = webauthnResponse
          ? await app.webauthn.verifyRegistration(body.bindingCode, webauthnResponse)
          : undefined;
        if (webauthnResponse && !webauthn) return jsonResponse(400, webauthnInvalidBody);
        const result = await devices.register({ ...body, ...(webauthn ? { webauthn } : {}) }, requestFacts(event));
        if (!result.ok) return jsonResponse(404, bindingInvalidBody);
        return jsonResponse(201, { deviceId: result.deviceId, account: result.account });
      },
    },
    signedDeviceRoute(devices, { method: 'GET', path: '/api/device/status' }, async (authenticated) => {
      // A lockout recorded since this device's last status fetch: the app shows it when notifications are off.
      const recentLockout = webPush ? await webPush.recentLockout(authenticated.device) : undefined;
      return jsonResponse(200, { ...devices.status(authenticated), ...(recentLockout ? { recentLockout } : {}) });
    }),
    appRequest('reset'),
    appRequest('unlock'),
    signedDeviceRoute(devices, { method: 'POST', path: '/api/device/unlink' }, async (authenticated, event) => {
      parseJsonBody(event, emptyBody);
      await app.unlink(authenticated, event.requestContext?.requestId);
      return jsonResponse(200, { unlinked: true });
    }),
    {
      method: 'POST',
      path: '/api/device/webauthn/registration-options',
      handler: async (event: APIGatewayProxyEvent) => {
        const { bindingCode } = parseJsonBody(event, registrationOptionsBody);
        return jsonResponse(200, { options: await app.webauthn.registrationOptions(bindingCode) });
      },
    },
    signedDeviceRoute(
      devices,
      { method: 'POST', path: '/api/device/webauthn/challenge' },
      async (authenticated, event) => {
        const { action } = parseJsonBody(event, challengeBody);
        const options = await app.webauthn.assertionOptions(authenticated.device, action);
        if (!options) return jsonResponse(400, noCredentialBody);
        return jsonResponse(200, { options });
      },
    ),
    signedDeviceRoute(
      devices,
      { method: 'PUT', path: '/api/device/expiry-reminders' },
      async (authenticated, event) => {
        const { push } = parseJsonBody(event, expiryRemindersBody);
        // A preference grants nothing, so no Touch ID/Face ID; the signature says whose it is.
        if (!(await devices.setExpiryRemindersByPush(authenticated, push, event.requestContext?.requestId)))
          return jsonResponse(401, unauthorizedBody);
        return jsonResponse(200, { expiryReminders: { push } });
      },
    ),
    ...(callerApprovals ? callerApprovalRoutes(devices, callerApprovals, app.webauthn) : []),
    signedDeviceRoute(
      devices,
      { method: 'GET', path: '/api/device/requests/{requestId}' },
      async (authenticated, event) => {
        const requestId = event.pathParameters?.['requestId'] ?? '';
        const result = UUID_PATTERN.test(requestId) ? await appRequests.result(requestId, authenticated) : undefined;
        if (!result) return jsonResponse(404, requestNotFoundBody);
        return jsonResponse(
          200,
          result.state === 'password-ready' ? { ...result, mustChangePassword: app.passwordMustChange } : result,
        );
      },
    ),
  ];
}

/**
 * The help desk's caller verification in the app: the requests waiting for this device's user, and the answer, signed
 * by the device and, for a Touch ID/Face ID device approving, with a user-verified assertion for `approve-caller`.
 */
function callerApprovalRoutes(
  devices: DeviceUseCases,
  callerApprovals: CallerApprovalUseCases,
  webauthn: WebAuthnUseCases,
): ApiRoute[] {
  return [
    signedDeviceRoute(devices, { method: 'GET', path: '/api/device/caller-approvals' }, async (authenticated) => {
      const approvals = await callerApprovals.pending(authenticated);
      return jsonResponse(200, {
        approvals: approvals.map(({ approvalId, technicianName, expiresAt }) => ({
          approvalId,
          technicianName,
          expiresAt: expiresAt.toISOString(),
        })),
      });
    }),
    signedDeviceRoute(
      devices,
      { method: 'POST', path: '/api/device/caller-approvals' },
      async (authenticated, event) => {
        const body = parseJsonBody(event, callerApprovalBody);
        // Denying needs no Face ID (it grants nothing); approving does on a device that unlocks with it.
        if (
          body.answer === 'approve' &&
          !(await webauthn.verifyAssertion(authenticated.device, 'approve-caller', body.webauthn))
        )
          return jsonResponse(403, userVerificationBody);
        const state = await callerApprovals.answer(
          authenticated,
          body.approvalId,
          body.answer,
          event.requestContext?.requestId,
        );
        if (!state) return jsonResponse(404, approvalNotFoundBody);
        return jsonResponse(200, { state });
      },
    ),
  ];
}
