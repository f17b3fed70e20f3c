import type { APIGatewayProxyEvent } from 'aws-lambda';
import * as z from 'zod';
import { deviceHeaders, devicePublicKeySchema, samePublicKey } from '../../../shared/domain/device-signature.js';
import { isPushPlatform, pushTokenSchemas } from '../../../shared/domain/push-token.js';
import { jsonResponse, type ErrorBody } from '../../../shared/http/responses.js';
import type { AppRequestKind, AppRequestUseCases } from '../../../shared/use-cases/app-requests.js';
import type { DeviceUseCases, SignedDeviceRequest } from '../../../shared/use-cases/enrollment/device.js';
import type { ApiRoute } from '../handler.js';
import type { AuthenticatedDevice } from '../../../shared/use-cases/app-requests.js';
import { bodyText, header, parseJsonBody } from './json-body.js';
import { requestFacts } from './setup.js';
import { UUID_PATTERN } from '../../../shared/validation/uuid.js';

/**
 * The push token is checked against its platform's token format here, at the edge: it is a token, never an ARN or
 * anything else SNS could be pointed at (the server makes the endpoint from it), and platforms without a push
 * service send none.
 */
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
      .object({ ...registrationFields, protocol: z.literal(2), signingKey: devicePublicKeySchema, encryptionKey: devicePublicKeySchema })
      .refine((body) => !samePublicKey(body.signingKey, body.encryptionKey), { path: ['encryptionKey'], message: 'must differ from the signing key' }),
  ])
  .transform((body, context) => {
    const { pushToken } = body;
    const keys = body.protocol === 2 ? { publicKey: body.signingKey, encryptionKey: body.encryptionKey } : { publicKey: body.publicKey };
    const rest = { bindingCode: body.bindingCode, unlockMethod: body.unlockMethod, platform: body.platform, ...keys };
    if (pushToken === undefined) return rest;
    if (!isPushPlatform(body.platform)) {
      context.addIssue({ code: 'custom', path: ['pushToken'], message: 'only ios and android devices have push tokens' });
      return z.NEVER;
    }
    const token = pushTokenSchemas[body.platform].safeParse(pushToken);
    if (!token.success) {
      context.addIssue({ code: 'custom', path: ['pushToken'], message: token.error.issues[0]?.message ?? 'is not a push token' });
      return z.NEVER;
    }
    return { ...rest, pushToken: token.data };
  });

const bindingInvalidBody: ErrorBody = {
  error: { code: 'BINDING_INVALID', message: 'This QR code is not valid. Show a new QR code on the setup page and scan it again.' },
};
const unauthorizedBody: ErrorBody = { error: { code: 'DEVICE_UNAUTHORIZED', message: 'This device is not authorized.' } };
/** The same answer for an unknown request id and another device's request. */
const requestNotFoundBody: ErrorBody = { error: { code: 'NOT_FOUND', message: 'No such request.' } };

/** Reset and unlock take no parameters: the signed device says who. */
const emptyBody = z.object({}).strict();

/** The signed parts and x-blink-* headers of a device request, as API Gateway passes them. */
function signedRequest(event: APIGatewayProxyEvent): SignedDeviceRequest {
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
  unlink: UnlinkDevice,
  /** RESET_FORCE_CHANGE: a password answer says whether Windows asks for a new one at the next sign-in. */
  options: { passwordMustChange: boolean },
): ApiRoute[] {
  const appRequest = (kind: AppRequestKind): ApiRoute => ({
    method: 'POST',
    path: `/api/device/${kind}`,
    handler: async (event: APIGatewayProxyEvent) => {
      // Signature first: an unsigned or replayed request learns nothing, not even whether its body was valid.
      const authenticated = await devices.authenticate(signedRequest(event));
      if (!authenticated.ok) return jsonResponse(401, unauthorizedBody);
      parseJsonBody(event, emptyBody);
      const { requestId } = await appRequests.request(kind, authenticated, event.requestContext?.requestId);
      return jsonResponse(202, { requestId });
    },
  });

  return [
    {
      method: 'POST',
      path: '/api/device/register',
      handler: async (event: APIGatewayProxyEvent) => {
        const body = parseJsonBody(event, registerBody);
        const result = await devices.register(
          body,
          requestFacts(event),
        );
        if (!result.ok) return jsonResponse(404, bindingInvalidBody);
        return jsonResponse(201, { deviceId: result.deviceId, account: result.account });
      },
    },
    {
      method: 'GET',
      path: '/api/device/status',
      handler: async (event: APIGatewayProxyEvent) => {
        const authenticated = await devices.authenticate(signedRequest(event));
        if (!authenticated.ok) return jsonResponse(401, unauthorizedBody);
        return jsonResponse(200, devices.status(authenticated));
      },
    },
    appRequest('reset'),
    appRequest('unlock'),
    {
      method: 'POST',
      path: '/api/device/unlink',
      handler: async (event: APIGatewayProxyEvent) => {
        const authenticated = await devices.authenticate(signedRequest(event));
        if (!authenticated.ok) return jsonResponse(401, unauthorizedBody);
        parseJsonBody(event, emptyBody);
        await unlink(authenticated, event.requestContext?.requestId);
        return jsonResponse(200, { unlinked: true });
      },
    },
    {
      method: 'GET',
      path: '/api/device/requests/{requestId}',
      handler: async (event: APIGatewayProxyEvent) => {
        const authenticated = await devices.authenticate(signedRequest(event));
        if (!authenticated.ok) return jsonResponse(401, unauthorizedBody);
        const requestId = event.pathParameters?.['requestId'] ?? '';
        const result = UUID_PATTERN.test(requestId) ? await appRequests.result(requestId, authenticated) : undefined;
        if (!result) return jsonResponse(404, requestNotFoundBody);
        return jsonResponse(200, result.state === 'password-ready' ? { ...result, mustChangePassword: options.passwordMustChange } : result);
      },
    },
  ];
}
