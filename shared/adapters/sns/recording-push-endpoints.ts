import { randomUUID } from 'node:crypto';
import type { PushPlatform } from '../../domain/push-token.js';
import type { PushEndpoints } from '../../ports/push-endpoints.js';

/**
 * Push endpoints for the local runtime: an endpoint ARN of the shape SNS gives (one per token, as SNS does), so the
 * lockout watch and the worker push to the same kind of target locally as deployed; RecordingPushSender keeps them.
 */
export class RecordingPushEndpoints implements PushEndpoints {
  private readonly endpoints = new Map<string, string>();

  async endpointFor(platform: PushPlatform, token: string): Promise<string> {
    const key = `${platform}:${token}`;
    const known = this.endpoints.get(key);
    if (known) return known;
    const endpoint = `arn:aws:sns:us-east-1:000000000000:endpoint/${platform === 'ios' ? 'APNS' : 'GCM'}/blink-local/${randomUUID()}`;
    this.endpoints.set(key, endpoint);
    return endpoint;
  }
}
