import type { ClientTarget } from '../../shared/composition/aws-clients.js';

/** How tests point the real SDK clients at a loopback stand-in: dummy credentials, a fixed region. */
export function localTarget(endpoint: string): ClientTarget {
  return { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
}
