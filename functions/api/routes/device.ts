import type { APIGatewayProxyEvent } from 'aws-lambda';
import * as z from 'zod';
import { deviceHeaders, devicePublicKeySchema } from '../../../shared/domain/device-signature.js';
import { isPushPlatform, pushTokenSchemas } from '../../../shared/domain/push-token.js';
import { jsonResponse, type ErrorBody } from '../../../shared/http/responses.js';
import type { AppRequestKind, AppRequestUseCases } from '../../../shared/use-cases/app-requests/index.js';
import type { DeviceUseCases, SignedDeviceRequest } from '../../../shared/use-cases/enrollment/index.js';
import type { ApiRoute } from '../handler.js';
import { bodyText, header, parseJsonBody } from './json-body.js';
import { requestFacts } from './setup.js';
import { UUID_PATTERN } from '../../../shared/validation/uuid.js';
import type { WebPushUseCases } from '../../../shared/use-cases/web-push/index.js';

/**
 * The push token is checked against its platform's token format here, at the edge: it is a token, never an ARN or
 * anything else SNS could be pointed at (the server makes the endpoint from it), and platforms without a push
 * service send none.
 */
const registerBody = z
  .object({
    bindingCode: z.string().min(1).max(256),
    publicKey: devicePublicKeySchema,
    unlockMethod: z.enum(['none', 'pin', 'biometric']),
    platform: z.enum(['ios', 'android', 'other']),
    pushToken: z.string().min(1).max(512).optional(),
  })
  .transform((body, context) => {
    const { pushToken, ...rest } = body;
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
export const unauthorizedBody: ErrorBody = { error: { code: 'DEVICE_UNAUTHORIZED', message: 'This device is not authorized.' } };
/** The same answer for an unknown request id and another device's request. */
const requestNotFoundBody: ErrorBody = { error: { code: 'NOT_FOUND', message: 'No such request.' } };

/** Reset and unlock take no parameters: the signed device says who. */
const emptyBody = z.object({}).strict();

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

/**
 * The app's calls (docs/design/enrollment.md, docs/design/reset.md): registration with a binding code, then signed
 * requests: status, reset and unlock, and the answer to a reset or unlock.
 */
export function deviceRoutes(devices: DeviceUseCases, appRequests: AppRequestUseCases, webPush?: WebPushUseCases): ApiRoute[] {
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
          {
            bindingCode: body.bindingCode,
            publicKey: body.publicKey,
            unlockMethod: body.unlockMethod,
            platform: body.platform,
            ...('pushToken' in body ? { pushToken: body.pushToken } : {}),
          },
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
        // A lockout recorded since this device's last status fetch: the app shows it when notifications are off.
        const recentLockout = webPush ? await webPush.recentLockout(authenticated.device) : undefined;
        return jsonResponse(200, { ...devices.status(authenticated), ...(recentLockout ? { recentLockout } : {}) });
      },
    },
    appRequest('reset'),
    appRequest('unlock'),
    {
      method: 'GET',
      path: '/api/device/requests/{requestId}',
      handler: async (event: APIGatewayProxyEvent) => {
        const authenticated = await devices.authenticate(signedRequest(event));
        if (!authenticated.ok) return jsonResponse(401, unauthorizedBody);
        const requestId = event.pathParameters?.['requestId'] ?? '';
        const result = UUID_PATTERN.test(requestId) ? await appRequests.result(requestId, authenticated) : undefined;
        if (!result) return jsonResponse(404, requestNotFoundBody);
        return jsonResponse(200, result);
      },
    },
  ];
}
