import type { APIGatewayProxyEvent } from 'aws-lambda';
import * as z from 'zod';
import { deviceHeaders, devicePublicKeySchema } from '../../../shared/domain/device-signature.js';
import { jsonResponse, type ErrorBody } from '../../../shared/http/responses.js';
import type { DeviceUseCases } from '../../../shared/use-cases/enrollment/device.js';
import type { ApiRoute } from '../handler.js';
import { bodyText, header, parseJsonBody } from './json-body.js';
import { requestFacts } from './setup.js';

const registerBody = z.object({
  bindingCode: z.string().min(1).max(256),
  publicKey: devicePublicKeySchema,
  unlockMethod: z.enum(['none', 'pin', 'biometric']),
  platform: z.enum(['ios', 'android', 'other']),
  pushToken: z.string().min(1).max(2048).optional(),
});

const bindingInvalidBody: ErrorBody = {
  error: { code: 'BINDING_INVALID', message: 'This QR code is not valid. Show a new QR code on the setup page and scan it again.' },
};
const unauthorizedBody: ErrorBody = { error: { code: 'DEVICE_UNAUTHORIZED', message: 'This device is not authorized.' } };

/** The app's calls (docs/design/enrollment.md): registration with a binding code, then signed requests. */
export function deviceRoutes(devices: DeviceUseCases): ApiRoute[] {
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
            ...(body.pushToken ? { pushToken: body.pushToken } : {}),
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
        const authenticated = await devices.authenticate({
          method: event.httpMethod,
          path: event.path,
          body: bodyText(event),
          deviceId: header(event, deviceHeaders.deviceId),
          timestamp: header(event, deviceHeaders.timestamp),
          nonce: header(event, deviceHeaders.nonce),
          signature: header(event, deviceHeaders.signature),
        });
        if (!authenticated.ok) return jsonResponse(401, unauthorizedBody);
        return jsonResponse(200, devices.status(authenticated));
      },
    },
  ];
}
