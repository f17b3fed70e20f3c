import type { PushPlatform } from '../domain/push-token.js';

/**
 * Where pushes to a device go, made on the server from the device's push token: an app never names an SNS endpoint
 * (or any other ARN) itself. Deployed: SNS CreatePlatformEndpoint on the platform application of that platform.
 */
export interface PushEndpoints {
  /** The endpoint for a validated token, or undefined when the deployment has no push application for the platform. */
  endpointFor(platform: PushPlatform, token: string): Promise<string | undefined>;
}
