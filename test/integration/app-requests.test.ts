import { randomUUID } from 'node:crypto';
import { DeviceClient, clientFromState, enroll, type SignedRequestHeaders } from '../../device-client/client.js';
import { resetLimitKeys } from '../../shared/use-cases/app-requests/index.js';
import { ManualClock } from '../support/manual-clock.js';
import { activate, testUser } from '../support/activations.js';
import { UUID_PATTERN } from '../../shared/validation/uuid.js';
import { useLocalBlink } from '../support/local-blink.js';

// The app's reset and unlock requests through the local runtime (routes, signature checks, limits, answer slots).
// The directory behind it is the demo directory, where these made-up users do not exist: the worker refuses their
// jobs, so these tests look at what the api function does, not at AD (app-reset-samba.test.ts does that).

const unauthorizedBody = { error: { code: 'DEVICE_UNAUTHORIZED', message: 'This device is not authorized.' } };
const requestNotFoundBody = { error: { code: 'NOT_FOUND', message: 'No such request.' } };

const clock = new ManualClock(new Date());
const blink = useLocalBlink({ clock });

beforeEach(() => {
  // Fresh hourly windows for the per-IP registration limit.
  clock.advanceSeconds(3600);
});

/** A made-up enrolled user with a device bound through the QR path; its requests carry the server's clock. */
async function enrolledDevice() {
  const {
    token,
    user: { userGuid },
  } = await activate(blink, testUser('App User'));
  const qr = await fetch(`${blink.url}/api/setup/qr`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  const { uri } = (await qr.json()) as { uri: string };
  const { state } = await enroll(uri, { unlockMethod: 'biometric' });
  return { userGuid, state, client: clientFromState(state, () => clock.now().getTime()) };
}

async function answerOf(response: Response) {
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    retryAfter: response.headers.get('retry-after'),
  };
}

const ask = async (
  client: DeviceClient,
  kind: 'reset' | 'unlock',
  options: { body?: string; headers?: SignedRequestHeaders } = {},
) =>
  answerOf(
    await client.send('POST', `/api/device/${kind}`, {
      body: options.body ?? '{}',
      ...(options.headers ? { headers: options.headers } : {}),
    }),
  );

const resultOf = async (client: DeviceClient, requestId: string) =>
  answerOf(await client.send('GET', `/api/device/requests/${requestId}`));

async function auditOf(userGuid: string) {
  return blink.composition.adapters.auditLog.listForUser(userGuid, 50);
}

describe('app reset and unlock requests', () => {
  it('accepts a signed reset, records it, queues the job and opens an answer only its device can read', async () => {
    const { userGuid, state, client } = await enrolledDevice();
    const accepted = await ask(client, 'reset');
    expect(accepted.status).toBe(202);
    expect(Object.keys(accepted.body)).toEqual(['requestId']);
    const requestId = String(accepted.body['requestId']);
    expect(requestId).toMatch(UUID_PATTERN);

    expect(await auditOf(userGuid)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'reset-requested', channel: 'app', result: 'success', requestId }),
      ]),
    );
    // The worker took the job (channel app, this device): it answers into this request's slot. Until then: pending.
    const own = await resultOf(client, requestId);
    expect(own.status).toBe(200);
    expect(['pending', 'failed']).toContain(own.body['state']);

    // Another user's device asking for this request, and any device asking for an unknown one: the same 404.
    const other = await enrolledDevice();
    expect(await resultOf(other.client, requestId)).toEqual({
      status: 404,
      body: requestNotFoundBody,
      retryAfter: null,
    });
    expect(await resultOf(client, randomUUID())).toEqual({ status: 404, body: requestNotFoundBody, retryAfter: null });
    expect(await resultOf(client, 'not-a-request-id')).toEqual({
      status: 404,
      body: requestNotFoundBody,
      retryAfter: null,
    });
    // Unsigned, it learns even less.
    const unsigned = await fetch(`${blink.url}/api/device/requests/${requestId}`);
    expect(await answerOf(unsigned)).toEqual({ status: 401, body: unauthorizedBody, retryAfter: null });
    expect(state.deviceId).not.toBe(other.state.deviceId);
  });

  it('answers an unlock the same way, and a reset/unlock slot belongs to the requesting device', async () => {
    const { userGuid, client } = await enrolledDevice();
    const accepted = await ask(client, 'unlock');
    expect(accepted.status).toBe(202);
    const requestId = String(accepted.body['requestId']);
    expect(await auditOf(userGuid)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'unlock-requested', channel: 'app', result: 'success', requestId }),
      ]),
    );
    const slot = await blink.composition.adapters.passwordDelivery.take(requestId, client.deviceId, clock.now());
    expect(slot).toBeDefined();
  });

  it('refuses a revoked device at once, and replayed, stale, tampered and unsigned requests, without queuing anything', async () => {
    const { userGuid, state, client } = await enrolledDevice();
    const headers = client.headersFor('POST', '/api/device/reset', '{}');
    expect((await ask(client, 'reset', { headers })).status).toBe(202);

    const refusals: Array<[string, SignedRequestHeaders, string?]> = [
      ['replayed', headers],
      [
        'stale',
        client.headersFor('POST', '/api/device/reset', '{}', { timestamp: clock.now().getTime() - 5 * 60_000 - 1000 }),
      ],
      ['signed for unlock, sent to reset', client.headersFor('POST', '/api/device/unlock', '{}')],
      ['signed over another body', client.headersFor('POST', '/api/device/reset', '{ }')],
    ];
    for (const [kind, refused] of refusals) {
      const answer = await ask(client, 'reset', { headers: refused });
      expect({ kind, status: answer.status, body: answer.body }).toEqual({ kind, status: 401, body: unauthorizedBody });
    }
    const unsigned = await fetch(`${blink.url}/api/device/unlock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(unsigned.status).toBe(401);

    expect(await blink.composition.adapters.deviceStore.revoke(state.deviceId, clock.now())).toBe(true);
    for (const kind of ['reset', 'unlock'] as const) {
      expect(await ask(client, kind)).toEqual({ status: 401, body: unauthorizedBody, retryAfter: null });
    }
    const requested = (await auditOf(userGuid)).filter((event) => event.action.endsWith('-requested'));
    expect(requested).toHaveLength(1);
  });

  it('answers a body other than {} with a 400 (after the signature check)', async () => {
    const { client } = await enrolledDevice();
    const answer = await ask(client, 'reset', { body: '{"user":"someone-else"}' });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    expect((await ask(client, 'reset', { body: 'not json' })).status).toBe(400);
  });

  it('limits resets and unlocks per account (3 an hour, 10 a day), counted on the keys SMS requests use too', async () => {
    const { userGuid, client } = await enrolledDevice();
    // Start at the top of an hour that is not the last of its day, so the windows are predictable.
    const start = new Date(clock.now());
    start.setUTCHours(start.getUTCHours() < 20 ? start.getUTCHours() + 1 : 24 + 1, 0, 0, 0);
    clock.set(start);

    const statuses = [];
    for (const kind of ['reset', 'unlock', 'reset', 'reset', 'unlock'] as const)
      statuses.push((await ask(client, kind)).status);
    expect(statuses).toEqual([202, 202, 202, 429, 429]);
    clock.advanceSeconds(600);
    const limited = await ask(client, 'reset');
    expect(limited).toMatchObject({ status: 429, body: { error: { code: 'RATE_LIMITED' } }, retryAfter: String(3000) });
    expect(String((limited.body['error'] as { message: string }).message)).toContain('50 minutes');
    expect(
      (await auditOf(userGuid)).filter((event) => event.result === 'refused' && event.reason === 'rate-limited'),
    ).toHaveLength(3);

    // The next hour allows 3 again, until the day has had 10.
    const daily: number[] = [];
    for (let hour = 1; hour <= 3; hour++) {
      clock.advanceSeconds(3600);
      for (let attempt = 0; attempt < 3; attempt++) daily.push((await ask(client, 'reset')).status);
    }
    expect(daily.filter((status) => status === 202)).toHaveLength(7);
    expect(daily.slice(7)).toEqual([429, 429]);

    // An SMS request counts on the same keys: a user whose hour is used up by SMS cannot add app requests.
    const other = await enrolledDevice();
    for (let hit = 0; hit < 3; hit++)
      await blink.composition.adapters.rateLimiter.hit(resetLimitKeys.hour(other.userGuid), 3, 3600);
    expect((await ask(other.client, 'unlock')).status).toBe(429);
  });
});
