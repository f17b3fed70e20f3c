import { base64url, randomBase64url, sha256Hex } from './encoding.js';
import type { LinkedDevice } from './store.js';

/**
 * The device API (docs/design/enrollment.md, protocol v2). Blink serves the app from its own origin: the API base is
 * whatever precedes /app/ in the app's URL (a stage path, or nothing).
 */
export const apiBase = `${location.origin}${location.pathname.slice(0, Math.max(0, location.pathname.indexOf('/app/')))}`;

export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  /** 0 when the network failed. */
  body: T & { error?: { code: string; message: string } };
  retryAfter: number;
}

async function answerOf<T>(response: Response): Promise<ApiAnswer<T>> {
  const body = (await response.json().catch(() => ({}))) as ApiAnswer<T>['body'];
  return { status: response.status, body, retryAfter: Number(response.headers.get('retry-after') ?? 0) };
}

const offline = <T>(): ApiAnswer<T> => ({ status: 0, body: {} as ApiAnswer<T>['body'], retryAfter: 0 });

export async function postJson<T = Record<string, unknown>>(path: string, body: unknown): Promise<ApiAnswer<T>> {
  try {
    return await answerOf<T>(
      await fetch(`${apiBase}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    );
  } catch {
    return offline<T>();
  }
}

/**
 * A signed request: ECDSA P-256 over method, route path, timestamp, nonce and body hash, exactly as
 * shared/domain/device-signature.ts checks it. WebCrypto's ECDSA signature is already r‖s (IEEE P1363).
 */
export async function signedRequest<T = Record<string, unknown>>(
  device: Pick<LinkedDevice, 'deviceId' | 'signingKey'>,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body = '',
): Promise<ApiAnswer<T>> {
  const timestamp = String(Date.now());
  const nonce = randomBase64url(16);
  const canonical = ['BLINK-DEVICE-V1', method, path, timestamp, nonce, await sha256Hex(body)].join('\n');
  const signature = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    device.signingKey,
    new TextEncoder().encode(canonical),
  );
  try {
    const response = await fetch(`${apiBase}${path}`, {
      method,
      headers: {
        'x-blink-device': device.deviceId,
        'x-blink-timestamp': timestamp,
        'x-blink-nonce': nonce,
        'x-blink-signature': base64url(signature),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body } : {}),
    });
    return await answerOf<T>(response);
  } catch {
    return offline<T>();
  }
}
