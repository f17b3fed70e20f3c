import { startLocalBlink, type LocalBlink, type LocalBlinkOptions } from '../../local/runtime.js';

/**
 * Starts the local runtime once for the test file (beforeAll) and stops it after its last test (afterAll), with the
 * usual test options: version "test", a free port, the demo directory and no lockout scan while the tests run.
 * `options` (or a function that gives them, called when the runtime starts) adds to or overrides them. The object returned is filled in when the runtime has started, so tests and
 * hooks use it as it is (`blink.url`); it is empty before that.
 */
export function useLocalBlink(optionsOrLater: LocalBlinkOptions | (() => LocalBlinkOptions) = {}): LocalBlink {
  const blink = {} as LocalBlink;
  let started: LocalBlink | undefined;
  beforeAll(async () => {
    // A function gives options that exist only once earlier hooks have run (e.g. an agent for a stand-in).
    const options = typeof optionsOrLater === 'function' ? optionsOrLater() : optionsOrLater;
    started = await startLocalBlink({
      port: 0,
      directory: 'demo',
      lockoutScanIntervalSeconds: 3600,
      ...options,
      env: { BLINK_VERSION: 'test', ...options.env },
    });
    Object.assign(blink, started);
  });
  afterAll(async () => {
    await started?.stop();
  });
  return blink;
}

export interface JsonAnswer {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

/** POSTs `body` (JSON-encoded unless it is a string already) to the runtime and reads the JSON answer. */
export async function postJson(blink: LocalBlink, urlPath: string, body: unknown): Promise<JsonAnswer> {
  const response = await fetch(`${blink.url}${urlPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as Record<string, unknown>,
  };
}

/** An admin API request to the runtime with a bearer token (local stand-in for IAM); the answer whatever its status. */
export function adminRequest(
  blink: Pick<LocalBlink, 'url'>,
  token: string,
  method: 'GET' | 'POST',
  route: string,
  body?: unknown,
): Promise<Response> {
  return fetch(`${blink.url}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** An admin API call to the runtime with its bearer token (local stand-in for IAM); throws on any non-2xx answer. */
export async function adminCall(
  blink: Pick<LocalBlink, 'url'>,
  token: string,
  method: 'GET' | 'POST',
  route: string,
  body?: unknown,
): Promise<unknown> {
  const response = await adminRequest(blink, token, method, route, body);
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
  return response.json();
}

/**
 * Activates a directory user as an admin does through the admin API (resolve by sAMAccountName, then activate) and
 * returns the user's objectGUID and the setup link the runtime emailed to them.
 */
export async function activateThroughAdminApi(
  blink: Pick<LocalBlink, 'url' | 'listEmails'>,
  token: string,
  samAccountName: string,
): Promise<{ userGuid: string; link: string }> {
  const resolved = (await adminCall(blink, token, 'POST', '/admin/activations/resolve', {
    target: { user: samAccountName },
  })) as { candidates: Array<{ userGuid: string }> };
  const userGuid = resolved.candidates[0]?.userGuid;
  if (!userGuid) throw new Error(`${samAccountName} was not resolved as eligible`);
  await adminCall(blink, token, 'POST', '/admin/activations', { userGuids: [userGuid] });
  const email = (await blink.listEmails()).find(
    (sent) => sent.to.toLowerCase() === `${samAccountName}@corp.example.test`.toLowerCase(),
  );
  const link = /(http\S+\/setup#t=[A-Za-z0-9_-]+)/.exec(email?.text ?? '')?.[1];
  if (!link) throw new Error('no activation link was emailed');
  return { userGuid, link };
}
