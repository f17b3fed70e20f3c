import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'ldapts';
import { createDemoCertificates } from '../../local/demo-directory/certificates.js';
import { demoUsers } from '../../local/demo-directory/seed.js';
import { startLocalBlink, type LocalBlink } from '../../local/runtime.js';
import { captureLogs, type LogCapture } from '../support/capture-logs.js';
import { pollUntil } from '../support/poll.js';
import { activate, testUser } from '../support/activations.js';
import { UUID_PATTERN } from '../../shared/validation/uuid.js';

// The console plays the app: a person pastes the setup page's QR link into the console, the runtime
// enrolls a simulated device with the reference device client and runs its signed status, reset and unlock requests
// against its own API. Through the local runtime with the demo directory, as `npm start` runs it.

const ADMIN_TOKEN = `admin-${randomBytes(24).toString('base64url')}`;

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function call(
  blink: LocalBlink,
  method: 'GET' | 'POST',
  route: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${blink.url}${route}`, { method, headers, ...(body === undefined ? {} : { body }) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const json = (value: unknown) => JSON.stringify(value);
const enrollDevice = (blink: LocalBlink, request: unknown) =>
  call(blink, 'POST', '/_local/api/devices', json(request), { 'content-type': 'application/json' });
const deviceAction = (blink: LocalBlink, deviceId: string, action: string) =>
  call(blink, 'POST', `/_local/api/devices/${deviceId}/${action}`);

/** The setup page's QR link for an activation token, as the page shows it under the code. */
async function qrUri(blink: LocalBlink, token: string): Promise<string> {
  const answer = await call(blink, 'POST', '/api/setup/qr', json({ token }), { 'content-type': 'application/json' });
  expect(answer.status).toBe(200);
  return String(answer.body['uri']);
}

/** Binds with the demo directory over LDAPS (the account's UPN): 'ok', or the AD data code of the refusal. */
async function demoBind(blink: LocalBlink, samAccountName: string, password: string): Promise<string> {
  if (blink.directory.kind !== 'demo') throw new Error('this test runs with the demo directory');
  const client = new Client({
    url: blink.directory.server.url,
    tlsOptions: { ca: [blink.directory.server.caPem] },
    timeout: 5_000,
    connectTimeout: 5_000,
  });
  try {
    await client.bind(`${samAccountName}@corp.example.test`, password);
    return 'ok';
  } catch (error) {
    const code = /data ([0-9a-f]{3})/.exec(error instanceof Error ? error.message : '')?.[1];
    if (!code) throw error;
    return code;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

function isLockedInDemo(blink: LocalBlink, samAccountName: string): boolean {
  if (blink.directory.kind !== 'demo') throw new Error('this test runs with the demo directory');
  const { directory } = blink.directory.server;
  return directory
    .lockedAccounts()
    .some((dn) => directory.get(dn)?.attributes.get('samaccountname')?.values[0]?.toString() === samAccountName);
}

const passwordOf = (samAccountName: string) =>
  demoUsers.find((user) => user.samAccountName === samAccountName)?.password ?? '';

describe('the console plays the app (demo directory)', () => {
  let blink: LocalBlink;
  let logs: LogCapture | undefined;

  beforeAll(async () => {
    blink = await startLocalBlink({
      // No must-change flag on reset, so the new password binds as it is.
      env: { BLINK_VERSION: 'test', RESET_FORCE_CHANGE: 'false' },
      port: 0,
      directory: 'demo',
      adminToken: ADMIN_TOKEN,
      lockoutScanIntervalSeconds: 3600,
    });
  });

  afterEach(() => {
    logs?.restore();
    logs = undefined;
  });

  afterAll(async () => {
    await blink?.stop();
  });

  const admin = (route: string, body?: unknown) =>
    call(blink, 'POST', route, body === undefined ? undefined : json(body), {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    });

  /** Activates a demo user through the admin API (the worker resolves them in the demo directory); the emailed token. */
  async function activationToken(samAccountName: string): Promise<{ token: string; userGuid: string }> {
    const resolved = await admin('/admin/activations/resolve', { target: { user: samAccountName } });
    expect(resolved.status).toBe(200);
    const userGuid = (resolved.body['candidates'] as Array<{ userGuid: string }>)[0]?.userGuid;
    if (!userGuid) throw new Error(`${samAccountName} was not resolved as eligible: ${json(resolved.body)}`);
    expect(await admin('/admin/activations', { userGuids: [userGuid] })).toMatchObject({ status: 200 });
    const email = await pollUntil(
      async () =>
        (await blink.listEmails()).find(
          (sent) => sent.to === `${samAccountName}@corp.example.test` && sent.text.includes('/setup#t='),
        ),
      { timeoutMs: 5_000, description: `the activation email to ${samAccountName}` },
    );
    const token = /\/setup#t=([A-Za-z0-9_-]+)/.exec(email.text)?.[1];
    if (!token) throw new Error('no setup link in the activation email');
    return { token, userGuid };
  }

  it('enrolls from the QR link, completes the setup page, shows the status and resets to a password that binds', async () => {
    const { token } = await activationToken('jane.doe');
    const uri = await qrUri(blink, token);
    expect(
      await call(blink, 'POST', '/api/setup/status', json({ token }), { 'content-type': 'application/json' }),
    ).toMatchObject({
      status: 200,
      body: { state: 'needs-phone' },
    });

    const enrolled = await enrollDevice(blink, { uri, unlockMethod: 'pin', platform: 'android' });
    expect(enrolled).toEqual({
      status: 201,
      body: {
        deviceId: expect.stringMatching(UUID_PATTERN),
        account: { displayName: 'Jane Doe', samAccountName: 'jane.doe' },
        unlockMethod: 'pin',
        platform: 'android',
        boundAt: expect.any(String),
      },
    });
    const deviceId = String(enrolled.body['deviceId']);
    // The server's own device record: the same device, its bound time shown in the console.
    const record = await blink.composition.adapters.deviceStore.get(deviceId);
    expect(record).toMatchObject({ unlockMethod: 'pin', platform: 'android' });
    expect(enrolled.body['boundAt']).toBe(record?.boundAt.toISOString());

    // The setup page polls this: it completes by itself.
    expect(
      await call(blink, 'POST', '/api/setup/status', json({ token }), { 'content-type': 'application/json' }),
    ).toMatchObject({
      status: 200,
      body: { state: 'complete', method: 'app' },
    });

    // Listed as JSON and on the console page, with its buttons.
    const listed = await call(blink, 'GET', '/_local/api/devices');
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual(expect.arrayContaining([enrolled.body]));
    const page = await (await fetch(blink.consoleUrl)).text();
    expect(page).toContain('App (simulated phone)');
    expect(page).toContain(`<code class="long">${deviceId}</code>`);
    expect(page).toContain(`data-device-id="${deviceId}" data-action="reset">Reset password</button>`);

    const status = await deviceAction(blink, deviceId, 'status');
    expect(status).toEqual({
      status: 200,
      body: expect.objectContaining({
        deviceId,
        action: 'status',
        outcome: 'status',
        status: expect.objectContaining({
          account: { displayName: 'Jane Doe', samAccountName: 'jane.doe' },
          device: { deviceId, unlockMethod: 'pin', platform: 'android', protocol: 1 },
        }),
      }),
    });

    logs = captureLogs();
    const reset = await deviceAction(blink, deviceId, 'reset');
    const logText = logs.text();
    logs.restore();
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({
      deviceId,
      action: 'reset',
      outcome: 'password-ready',
      requestId: expect.stringMatching(UUID_PATTERN),
    });
    const password = String(reset.body['password']);
    expect(password.length).toBeGreaterThanOrEqual(12);
    expect(String(reset.body['message'])).not.toContain(password);

    // The demo directory took it: the new password binds, the old one no longer does.
    expect(await demoBind(blink, 'jane.doe', password)).toBe('ok');
    expect(await demoBind(blink, 'jane.doe', passwordOf('jane.doe'))).toBe('52e');

    // The phone's screen only: not logged, not kept by the console.
    expect(logText).not.toContain(password);
    expect(await (await fetch(blink.consoleUrl)).text()).not.toContain(password);
    expect(json((await call(blink, 'GET', '/_local/api/devices')).body)).not.toContain(password);
  });

  it('unlocks the locked demo user, then says he is not locked; a revoked device shows the refusal', async () => {
    expect(isLockedInDemo(blink, 'dave.locked')).toBe(true);
    const { token } = await activationToken('dave.locked');
    const enrolled = await enrollDevice(blink, {
      uri: await qrUri(blink, token),
      unlockMethod: 'biometric',
      platform: 'ios',
    });
    expect(enrolled.status).toBe(201);
    const deviceId = String(enrolled.body['deviceId']);

    expect(await deviceAction(blink, deviceId, 'unlock')).toEqual({
      status: 200,
      body: {
        deviceId,
        action: 'unlock',
        outcome: 'unlocked',
        requestId: expect.stringMatching(UUID_PATTERN),
        message: 'The Windows account of Dave Locked (dave.locked) is unlocked.',
      },
    });
    expect(isLockedInDemo(blink, 'dave.locked')).toBe(false);
    expect(await demoBind(blink, 'dave.locked', passwordOf('dave.locked'))).toBe('ok');
    expect(await deviceAction(blink, deviceId, 'unlock')).toMatchObject({
      status: 200,
      body: { outcome: 'not-locked' },
    });

    expect(await admin(`/admin/devices/${deviceId}/revoke`)).toMatchObject({ status: 200 });
    for (const action of ['reset', 'unlock', 'status']) {
      expect(await deviceAction(blink, deviceId, action)).toEqual({
        status: 200,
        body: {
          deviceId,
          action,
          outcome: 'refused',
          message: 'The API refused: This device is not authorized.',
          refusal: { httpStatus: 401, code: 'DEVICE_UNAUTHORIZED' },
        },
      });
    }
    // Nothing was reset, and the console lists the device as revoked.
    expect(await demoBind(blink, 'dave.locked', passwordOf('dave.locked'))).toBe('ok');
    const listed = (await call(blink, 'GET', '/_local/api/devices')).body as unknown as Array<Record<string, unknown>>;
    expect(listed.find((device) => device['deviceId'] === deviceId)).toMatchObject({ revokedAt: expect.any(String) });
    expect(await (await fetch(blink.consoleUrl)).text()).toMatch(/<strong>revoked \d{4}-/);
  });

  describe('malformed requests', () => {
    const otherBlink = `blink://enroll?v=1&api=${encodeURIComponent('https://blink.elsewhere.example')}&code=${'A'.repeat(22)}`;

    it.each([
      ['a URI that is not a Blink link', { uri: 'https://example.com/enroll' }, /Not a Blink enrollment link/],
      ['a missing URI', { unlockMethod: 'pin' }, /uri/],
      ['an empty URI', { uri: '  ' }, /uri/],
      [
        'an unknown unlock method',
        { uri: otherBlink, unlockMethod: 'face' },
        /unlockMethod: must be none, pin or biometric/,
      ],
      ['an unknown platform', { uri: otherBlink, platform: 'symbian' }, /platform: must be ios, android or other/],
      ['an unexpected field', { uri: otherBlink, pushToken: 'x' }, /pushToken/],
      ['a link without a binding code', { uri: 'blink://enroll?v=1&api=http%3A%2F%2F127.0.0.1' }, /binding code/],
      ['a link for another Blink', { uri: otherBlink }, /for the Blink at https:\/\/blink\.elsewhere\.example/],
      ['a JSON array', [], /body/],
    ])('refuses %s with 400 and a message', async (_case, request, message) => {
      const before = ((await call(blink, 'GET', '/_local/api/devices')).body as unknown as unknown[]).length;
      const answer = await enrollDevice(blink, request);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
      expect((answer.body['error'] as { message: string }).message).toMatch(message);
      expect(((await call(blink, 'GET', '/_local/api/devices')).body as unknown as unknown[]).length).toBe(before);
    });

    it('refuses a body that is not JSON with 400', async () => {
      const answer = await call(blink, 'POST', '/_local/api/devices', 'uri=blink://enroll');
      expect(answer.status).toBe(400);
      expect((answer.body['error'] as { message: string }).message).toMatch(/must be JSON/);
    });

    it("passes on the API's refusal of a binding code that is not valid", async () => {
      const unknownCode = `blink://enroll?v=1&api=${encodeURIComponent(blink.publicBaseUrl)}&code=${randomBytes(16).toString('base64url')}`;
      expect(await enrollDevice(blink, { uri: unknownCode })).toEqual({
        status: 404,
        body: { error: { code: 'BINDING_INVALID', message: expect.stringContaining('This QR code is not valid') } },
      });
    });

    it('refuses what a browser sends from another site (a page cannot make a simulated phone reset a password)', async () => {
      const { token, userGuid } = await activationToken('john.smith');
      const uri = await qrUri(blink, token);
      const before = ((await call(blink, 'GET', '/_local/api/devices')).body as unknown as unknown[]).length;
      for (const site of ['cross-site', 'same-site']) {
        const enrolled = await call(blink, 'POST', '/_local/api/devices', json({ uri }), {
          'content-type': 'text/plain',
          'sec-fetch-site': site,
        });
        expect(enrolled).toEqual({
          status: 403,
          body: { error: { code: 'CROSS_SITE', message: 'The console refuses requests sent from another site.' } },
        });
      }
      expect(((await call(blink, 'GET', '/_local/api/devices')).body as unknown as unknown[]).length).toBe(before);

      // The console's own page (same-origin) enrolls; another site cannot use the device either.
      const enrolled = await call(blink, 'POST', '/_local/api/devices', json({ uri }), {
        'content-type': 'application/json',
        'sec-fetch-site': 'same-origin',
      });
      expect(enrolled.status).toBe(201);
      const deviceId = String(enrolled.body['deviceId']);
      const reset = await call(blink, 'POST', `/_local/api/devices/${deviceId}/reset`, undefined, {
        'sec-fetch-site': 'cross-site',
      });
      expect(reset).toMatchObject({ status: 403, body: { error: { code: 'CROSS_SITE' } } });
      const audit = await blink.composition.adapters.auditLog.listForUser(userGuid, 50);
      expect(audit.map((event) => event.action)).not.toContain('reset-requested');
      expect(await deviceAction(blink, deviceId, 'status')).toMatchObject({ status: 200, body: { outcome: 'status' } });
    });

    it('answers an unknown device with 404, a GET with 405, and an unknown action with 404', async () => {
      expect(await deviceAction(blink, randomUUID(), 'reset')).toMatchObject({
        status: 404,
        body: { error: { code: 'NOT_FOUND' } },
      });
      const get = await call(blink, 'GET', `/_local/api/devices/${randomUUID()}/status`);
      expect(get.status).toBe(405);
      expect(await deviceAction(blink, randomUUID(), 'delete')).toMatchObject({
        status: 404,
        body: { error: { code: 'NOT_FOUND' } },
      });
    });
  });
});

describe('the console app when the directory worker cannot answer in time', () => {
  let blink: LocalBlink;
  let folder: string;

  beforeAll(async () => {
    // A directory nobody listens on: the worker cannot reach it, so the request stays pending (and is retried).
    folder = await mkdtemp(path.join(tmpdir(), 'blink-console-app-'));
    const caFile = path.join(folder, 'ca.pem');
    await writeFile(caFile, (await createDemoCertificates()).caPem);
    blink = await startLocalBlink({
      env: { BLINK_VERSION: 'test' },
      port: 0,
      directory: {
        urls: `ldaps://127.0.0.1:${await closedPort()}`,
        baseDn: 'DC=corp,DC=example,DC=test',
        bindDn: 'CN=svc-blink,OU=Service Accounts,DC=corp,DC=example,DC=test',
        bindPassword: randomBytes(12).toString('base64url'),
        caFile,
        startTls: false,
      },
      lockoutScanIntervalSeconds: 3600,
      appAnswerTimeoutMs: 1_000,
    });
  });

  afterAll(async () => {
    await blink?.stop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('says the reset is still pending once its bounded wait runs out', async () => {
    const { token } = await activate(blink, testUser('Pending Person'));
    const enrolled = await enrollDevice(blink, { uri: await qrUri(blink, token) });
    expect(enrolled).toMatchObject({ status: 201, body: { unlockMethod: 'biometric', platform: 'other' } });

    const started = Date.now();
    const reset = await deviceAction(blink, String(enrolled.body['deviceId']), 'reset');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(reset).toEqual({
      status: 200,
      body: {
        deviceId: enrolled.body['deviceId'],
        action: 'reset',
        outcome: 'pending',
        requestId: expect.stringMatching(UUID_PATTERN),
        message: expect.stringMatching(
          /^Still pending after 1 s: the directory worker has not answered request [0-9a-f-]{36} yet\.$/,
        ),
      },
    });
  });
});

/** A loopback port with nothing listening on it (taken from the OS, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
