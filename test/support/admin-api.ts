import type { LocalBlink } from '../../local/runtime.js';

/** POSTs `body` to an admin route of the local runtime with its bearer token; the answer must be 200, its JSON is returned. */
export async function postAdmin(blink: LocalBlink, adminToken: string, route: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${blink.url}${route}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return response.json();
}
