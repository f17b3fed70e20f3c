import * as z from 'zod';
import { webPushSubscriptionSchema } from '../../../shared/domain/web-push.js';
import { jsonResponse } from '../../../shared/http/responses.js';
import type { DeviceUseCases } from '../../../shared/use-cases/enrollment/device.js';
import type { WebPushUseCases } from '../../../shared/use-cases/web-push/index.js';
import type { ApiRoute } from '../handler.js';
import { signedDeviceRoute, unauthorizedBody } from './device.js';
import { bodyText, parseJsonBody } from './json-body.js';

/**
 * The installed app's Web Push calls: the VAPID public key to subscribe with (public, unsigned), then its
 * subscription saved or removed by a signed request of the device, exactly as GET /api/device/status is signed.
 */
export function webPushRoutes(
  devices: DeviceUseCases,
  webPush: WebPushUseCases,
  settings: { allowedHosts: readonly string[] },
): ApiRoute[] {
  const subscriptionBody = webPushSubscriptionSchema(settings.allowedHosts);
  return [
    {
      method: 'GET',
      path: '/api/device/push-config',
      handler: async () => jsonResponse(200, { vapidPublicKey: await webPush.vapidPublicKey() }),
    },
    signedDeviceRoute(devices, { method: 'PUT', path: '/api/device/web-push' }, async (authenticated, event) => {
      const subscription = parseJsonBody(event, subscriptionBody);
      if (!(await webPush.subscribe(authenticated.device, subscription))) return jsonResponse(401, unauthorizedBody);
      return jsonResponse(200, { subscribed: true });
    }),
    signedDeviceRoute(devices, { method: 'DELETE', path: '/api/device/web-push' }, async (authenticated, event) => {
      // Nothing to say: an empty body, or `{}`.
      if (bodyText(event) !== '') parseJsonBody(event, z.object({}).strict());
      await webPush.unsubscribe(authenticated.device);
      return jsonResponse(200, { subscribed: false });
    }),
  ];
}
