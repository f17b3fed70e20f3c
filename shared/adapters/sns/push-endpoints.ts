import { CreatePlatformEndpointCommand, type SNSClient } from '@aws-sdk/client-sns';
import { DeliveryError } from '../../domain/errors.js';
import type { PushPlatform } from '../../domain/push-token.js';
import type { PushEndpoints } from '../../ports/push-endpoints.js';
import { isTransientAwsError } from '../aws-errors.js';

/**
 * SNS platform endpoints, made with CreatePlatformEndpoint on the deployment's platform application of each platform
 * (an APNs or APNs sandbox application for iOS, an FCM one for Android). SNS answers the same endpoint again for a
 * token it already has, so registering a device twice does not pile up endpoints.
 */
export class SnsPushEndpoints implements PushEndpoints {
  constructor(
    private readonly client: SNSClient,
    private readonly platformApplicationArns: Partial<Record<PushPlatform, string>>,
  ) {}

  async endpointFor(platform: PushPlatform, token: string): Promise<string | undefined> {
    const platformApplicationArn = this.platformApplicationArns[platform];
    if (!platformApplicationArn) return undefined;
    try {
      const { EndpointArn } = await this.client.send(
        new CreatePlatformEndpointCommand({ PlatformApplicationArn: platformApplicationArn, Token: token }),
      );
      if (!EndpointArn) throw new DeliveryError('SNS created no platform endpoint');
      return EndpointArn;
    } catch (error) {
      if (isTransientAwsError(error))
        throw new DeliveryError('SNS could not create the push endpoint now', { cause: error });
      throw error;
    }
  }
}
