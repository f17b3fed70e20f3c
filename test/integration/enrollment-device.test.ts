import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  DeviceClient,
  enroll,
  generateDeviceKeys,
  parseEnrollUri,
  registerDevice,
  type SignedRequestHeaders,
} from '../../device-client/client.js';
import { captureLogs } from '../support/capture-logs.js';
import { ManualClock } from '../support/manual-clock.js';
import { pollUntil } from '../support/poll.js';
import { activate as activateUser, testUser } from '../support/activations.js';
import { postJson, useLocalBlink } from '../support/local-blink.js';

// The QR path end to end: the setup page asks for a QR code, the reference device client registers with it and then
// talks to the device API with signed requests. Through the local runtime, with a manual clock.

const unauthorizedBody = { error: { code: 'DEVICE_UNAUTHORIZED', message: 'This device is not authorized.' } };
const bindingInvalidBody = {
  error: {
    code: 'BINDING_INVALID',
    message: 'This QR code is not valid. Show a new QR code on the setup page and scan it again.',
  },
};

// A month back: tests step it forward an hour each, and the CLI test brings it to the real time (forward), so hits
// of the sliding rate limits counted by earlier tests are all behind it.
const clock = new ManualClock(new Date(Date.now() - 30 * 86_400_000));
const blink = useLocalBlink({ clock });

beforeEach(() => {
  // Fresh hourly windows for the per-IP limits; the device's own timestamps follow this clock below.
  clock.advanceSeconds(3600);
});

async function activate() {
  const { token, user } = await activateUser(blink, testUser('Device User'));
  return { userGuid: user.userGuid, sam: user.samAccountName, mail: user.mail, token };
}

const post = (urlPath: string, body: unknown) => postJson(blink, urlPath, body);

async function qrFor(token: string): Promise<{ uri: string; qrSvg: string; expiresAt: string }> {
  const answer = await post('/api/setup/qr', { token });
  expect(answer.status).toBe(200);
  return answer.json as { uri: string; qrSvg: string; expiresAt: string };
}

/** Signed headers stamped with the server's (manual) clock. */
function signedNow(client: DeviceClient, overrides: { timestamp?: number; nonce?: string } = {}): SignedRequestHeaders {
  return client.headersFor('GET', '/api/device/status', '', { timestamp: clock.now().getTime(), ...overrides });
}

async function statusWith(client: DeviceClient, headers: SignedRequestHeaders) {
  const response = await client.send('GET', '/api/device/status', { headers });
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as Record<string, unknown>,
  };
}

describe('QR binding and signed device requests', () => {
  it('binds a device from the QR code, completes setup, and answers its signed status request', async () => {
    const logs = captureLogs();
    try {
      const { token, userGuid, sam, mail } = await activate();
      const qr = await qrFor(token);
      const link = parseEnrollUri(qr.uri);
      expect(qr.uri).toBe(`${blink.publicBaseUrl}/app/enroll#${link.bindingCode}`);
      expect(link.api).toBe(blink.publicBaseUrl);
      expect(link.bindingCode).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(qr.qrSvg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      expect(new Date(qr.expiresAt).getTime() - clock.now().getTime()).toBe(600_000);
      expect((await post('/api/setup/status', { token })).json).toEqual({ state: 'needs-phone' });

      const { state, client } = await enroll(qr.uri, { unlockMethod: 'pin', platform: 'android' });
      expect(state.account).toEqual({ displayName: 'Device User', samAccountName: sam });
      expect(state.deviceId).toMatch(/^[0-9a-f-]{36}$/);

      expect((await post('/api/setup/status', { token })).json).toEqual({ state: 'complete', method: 'app' });
      // The link that completed setup says so when opened again (the app is how this user resets).
      expect((await post('/api/setup/open', { token })).json).toEqual({
        displayName: expect.any(String),
        state: 'complete',
        methods: { sms: false, app: true },
      });
      expect(await blink.composition.adapters.enrollmentStore.get(userGuid)).toMatchObject({
        status: 'active',
        methods: { sms: false, app: true },
      });
      const notice = await pollUntil(async () => (await blink.listEmails()).find((email) => email.to === mail), {
        timeoutMs: 5000,
        description: 'the device-bound email',
      });
      expect(notice.subject).toBe('Blink: a phone app was linked to your account');
      expect(notice.text).toContain('an Android phone');

      const answer = await statusWith(client, signedNow(client));
      expect(answer.status).toBe(200);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.json).toEqual({
        account: { displayName: 'Device User', samAccountName: sam },
        methods: { sms: false, app: true },
        device: { deviceId: state.deviceId, unlockMethod: 'pin', platform: 'android', protocol: 1 },
        expiryReminders: { sms: false, push: false },
      });

      // The binding code is single use.
      const again = await post('/api/device/register', {
        bindingCode: link.bindingCode,
        publicKey: generateDeviceKeys().publicKey,
        unlockMethod: 'none',
        platform: 'ios',
      });
      expect(again.status).toBe(404);
      expect(again.json).toEqual(bindingInvalidBody);

      const text = logs.text();
      expect(text.length).toBeGreaterThan(0);
      expect(text).not.toContain(token);
      expect(text).not.toContain(link.bindingCode);
    } finally {
      logs.restore();
    }
  });

  it('refuses replayed, stale, tampered, wrongly keyed, unknown and revoked requests identically', async () => {
    const { token } = await activate();
    const { state, client } = await enroll((await qrFor(token)).uri, { unlockMethod: 'biometric' });

    const replayable = signedNow(client);
    expect((await statusWith(client, replayable)).status).toBe(200);

    const impostorKeys = generateDeviceKeys();
    const impostor = new DeviceClient(blink.url, state.deviceId, impostorKeys.privateKey);
    const fresh = signedNow(client);
    const refusals: Array<[string, SignedRequestHeaders]> = [
      ['replayed nonce', replayable],
      ['stale timestamp', signedNow(client, { timestamp: clock.now().getTime() - 5 * 60_000 - 1000 })],
      ['future timestamp', signedNow(client, { timestamp: clock.now().getTime() + 5 * 60_000 + 1000 })],
      ['wrong key', signedNow(impostor)],
      ['tampered timestamp', { ...fresh, 'x-blink-timestamp': String(Number(fresh['x-blink-timestamp']) + 1) }],
      ['tampered nonce', { ...signedNow(client), 'x-blink-nonce': randomBytes(16).toString('base64url') }],
      ['unknown device', { ...signedNow(client), 'x-blink-device': randomUUID() }],
      ['malformed device id', { ...signedNow(client), 'x-blink-device': 'nope' }],
    ];
    for (const [kind, headers] of refusals) {
      const answer = await statusWith(client, headers);
      expect({ kind, status: answer.status, body: answer.json }).toEqual({ kind, status: 401, body: unauthorizedBody });
    }
    const unsigned = await fetch(`${blink.url}/api/device/status`);
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toEqual(unauthorizedBody);

    // Still accepted with a fresh nonce, until revoked; revocation takes effect on the next request.
    expect((await statusWith(client, signedNow(client))).status).toBe(200);
    expect(await blink.composition.adapters.deviceStore.revoke(state.deviceId, clock.now())).toBe(true);
    const revoked = await statusWith(client, signedNow(client));
    expect({ status: revoked.status, body: revoked.json }).toEqual({ status: 401, body: unauthorizedBody });
  });

  it('saves the choice of expiry reminders by push from a signed request, shown by the status, and audits it', async () => {
    const { token, userGuid } = await activate();
    const { state, client } = await enroll((await qrFor(token)).uri, { unlockMethod: 'biometric' });
    const choose = (push: unknown, headers?: SignedRequestHeaders) => {
      const body = JSON.stringify({ push });
      return client.send('PUT', '/api/device/expiry-reminders', {
        body,
        headers:
          headers ??
          client.headersFor('PUT', '/api/device/expiry-reminders', body, { timestamp: clock.now().getTime() }),
      });
    };
    const pushChoice = async () => (await statusWith(client, signedNow(client))).json['expiryReminders'] as unknown;

    expect(await pushChoice()).toEqual({ sms: false, push: false });
    const on = await choose(true);
    expect({ status: on.status, body: await on.json() }).toEqual({
      status: 200,
      body: { expiryReminders: { push: true } },
    });
    expect(await pushChoice()).toEqual({ sms: false, push: true });
    expect((await blink.composition.adapters.enrollmentStore.get(userGuid))?.expiryReminders).toEqual({ push: true });

    // Not a boolean, or anything else in the body: refused, and the choice stays.
    expect((await choose('yes')).status).toBe(400);
    expect(await pushChoice()).toEqual({ sms: false, push: true });

    // Unsigned, signed by another key, or signed for another body: refused like every device request.
    const unsigned = await fetch(`${blink.url}/api/device/expiry-reminders`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ push: false }),
    });
    expect({ status: unsigned.status, body: await unsigned.json() }).toEqual({ status: 401, body: unauthorizedBody });
    const impostor = new DeviceClient(blink.url, state.deviceId, generateDeviceKeys().privateKey);
    const forged = impostor.headersFor('PUT', '/api/device/expiry-reminders', '{"push":false}', {
      timestamp: clock.now().getTime(),
    });
    expect((await choose(false, forged)).status).toBe(401);
    const signedForOn = client.headersFor('PUT', '/api/device/expiry-reminders', '{"push":true}', {
      timestamp: clock.now().getTime(),
    });
    expect((await choose(false, signedForOn)).status).toBe(401);
    expect(await pushChoice()).toEqual({ sms: false, push: true });

    const off = await choose(false);
    expect(off.status).toBe(200);
    expect(await pushChoice()).toEqual({ sms: false, push: false });

    // A revoked device changes nothing.
    expect(await blink.composition.adapters.deviceStore.revoke(state.deviceId, clock.now())).toBe(true);
    const revoked = await choose(true);
    expect({ status: revoked.status, body: await revoked.json() }).toEqual({ status: 401, body: unauthorizedBody });
    expect((await blink.composition.adapters.enrollmentStore.get(userGuid))?.expiryReminders).toEqual({ push: false });

    const audit = await blink.composition.adapters.auditLog.listForUser(userGuid, 50);
    const choices = audit.filter((event) => event.action.startsWith('expiry-reminders.'));
    expect(choices.map((event) => [event.action, event.channel, event.result]).sort()).toEqual([
      ['expiry-reminders.push-off', 'app', 'success'],
      ['expiry-reminders.push-on', 'app', 'success'],
    ]);
  });

  it('accepts a signed nonce once when two requests race', async () => {
    const { token } = await activate();
    const { client } = await enroll((await qrFor(token)).uri, { unlockMethod: 'none' });
    const headers = signedNow(client);
    const statuses = (await Promise.all([statusWith(client, headers), statusWith(client, headers)])).map(
      (answer) => answer.status,
    );
    expect(statuses.sort()).toEqual([200, 401]);
  });

  it('refuses an expired or superseded binding code, and a device of a revoked enrollment', async () => {
    const { token, userGuid } = await activate();
    const keys = generateDeviceKeys();
    const register = (uri: string) =>
      registerDevice(blink.url, {
        bindingCode: parseEnrollUri(uri).bindingCode,
        publicKey: keys.publicKey,
        unlockMethod: 'none',
        platform: 'other',
      });

    const expiring = await qrFor(token);
    clock.advanceSeconds(601);
    await expect(register(expiring.uri)).rejects.toMatchObject({ status: 404, code: 'BINDING_INVALID' });

    const older = await qrFor(token);
    const newer = await qrFor(token);
    await expect(register(older.uri)).rejects.toMatchObject({ status: 404, code: 'BINDING_INVALID' });
    const bound = await enroll(newer.uri, { unlockMethod: 'none' });
    expect((await statusWith(bound.client, signedNow(bound.client))).status).toBe(200);
    const record = await blink.composition.adapters.enrollmentStore.get(userGuid);
    if (!record) throw new Error('no enrollment');
    await blink.composition.adapters.enrollmentStore.save({ ...record, status: 'revoked' }, record.version);
    expect((await statusWith(bound.client, signedNow(bound.client))).status).toBe(401);
  });

  it('limits registrations per client IP, and answers malformed registrations with a 400', async () => {
    const { publicKey } = generateDeviceKeys();
    const malformed = await post('/api/device/register', {
      bindingCode: 'x',
      publicKey: { ...publicKey, crv: 'P-384' },
      unlockMethod: 'none',
      platform: 'ios',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.json).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 31; attempt++) {
      const answer = await post('/api/device/register', {
        bindingCode: randomBytes(16).toString('base64url'),
        publicKey,
        unlockMethod: 'none',
        platform: 'ios',
      });
      statuses.push(answer.status);
    }
    expect(statuses.slice(0, 30)).toEqual(Array.from({ length: 30 }, () => 404));
    expect(statuses[30]).toBe(429);
  });
});

describe('device CLI', () => {
  it('enrolls from a blink:// URI into an owner-only state file and shows the signed status', async () => {
    // The CLI signs with the real time: bring the server's clock back to it.
    clock.set(new Date());
    const { token, sam } = await activate();
    const { uri } = await qrFor(token);
    const folder = await mkdtemp(path.join(tmpdir(), 'blink-device-'));
    const stateFile = path.join(folder, 'device.json');
    const run = (args: string[]) =>
      promisify(execFile)(
        process.execPath,
        [require.resolve('tsx/cli'), path.join(__dirname, '../../device-client/cli.ts'), ...args],
        {
          timeout: 30_000,
        },
      );
    try {
      const enrolled = await run(['enroll', uri, '--unlock', 'pin', '--state', stateFile]);
      expect(enrolled.stdout).toContain(`(${sam})`);
      expect((await stat(stateFile)).mode & 0o777).toBe(0o600);
      const stored = JSON.parse(await readFile(stateFile, 'utf8')) as {
        privateKey: { d?: string };
        unlockMethod: string;
      };
      expect(stored.unlockMethod).toBe('pin');
      expect(stored.privateKey.d).toMatch(/^[A-Za-z0-9_-]{43}$/);

      const status = await run(['status', '--state', stateFile]);
      expect(JSON.parse(status.stdout)).toMatchObject({
        account: { samAccountName: sam },
        methods: { app: true },
        device: { unlockMethod: 'pin' },
      });

      await expect(run(['enroll', uri, '--state', stateFile])).rejects.toMatchObject({
        stderr: expect.stringContaining('BINDING_INVALID'),
      });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
