import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { enroll, type DeviceClient, type DeviceState } from '../../device-client/client.js';
import { captureLogs, type LogCapture } from '../support/capture-logs.js';
import { localTarget } from '../support/local-aws.js';
import { activateThroughAdminApi, adminCall } from '../support/local-blink.js';
import { lockOut, type TestUser, tryBind, useSambaSuite } from './support/samba.js';

// Reset and unlock from the app, end to end: a throwaway Samba user, activated by the admin API, binds a device with
// the reference client; the api function queues the job, the directory worker writes AD and leaves a JWE, the client
// decrypts it. Real clock (the device signs with it), real LDAPS, the local stand-ins for everything else.

const run = promisify(execFile);
const REPOSITORY_ROOT = path.resolve(__dirname, '../..');
const ADMIN_TOKEN = `admin-${randomBytes(24).toString('base64url')}`;
const TABLE = 'blink-local';
const ANSWER_WAIT = { timeoutMs: 30_000, intervalMs: 200 };

const { blink, users } = useSambaSuite({ adminToken: ADMIN_TOKEN });
let table: DynamoDBDocumentClient;

beforeAll(() => {
  table = DynamoDBDocumentClient.from(new DynamoDBClient(localTarget(blink.services.dynamodb)));
});

afterAll(() => {
  table?.destroy();
});

const admin = (method: 'GET' | 'POST', route: string, body?: unknown) =>
  adminCall(blink, ADMIN_TOKEN, method, route, body);

/** A new Samba user, activated through the admin API, with a device bound from the setup page's QR code. */
async function enrolledSambaUser(
  prefix: string,
): Promise<{ user: TestUser; userGuid: string; state: DeviceState; client: DeviceClient }> {
  const user = await users.create(prefix);
  const { userGuid, link } = await activateThroughAdminApi(blink, ADMIN_TOKEN, user.samAccountName);
  const token = new URL(link).hash.replace(/^#t=/, '');
  const qr = await fetch(`${blink.url}/api/setup/qr`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  const { uri } = (await qr.json()) as { uri: string };
  const { state, client } = await enroll(uri, { unlockMethod: 'biometric', platform: 'ios' });
  return { user, userGuid, state, client };
}

/** Everything the local stand-ins hold that a password could leak into: the table, the queues, emails and SMS. */
async function everythingStored(): Promise<string> {
  const items: unknown[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await table.send(new ScanCommand({ TableName: TABLE, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  const queued = [];
  for (const queueUrl of [blink.queue.queueUrl, blink.queue.deadLetterQueueUrl]) {
    // Visibility 0: a look only, the messages stay where they are.
    const { Messages } = await blink.composition.sqsClient.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
    );
    queued.push(...(Messages ?? []).map((message) => message.Body));
  }
  return JSON.stringify({ items, queued, emails: await blink.listEmails(), sms: blink.listSms() });
}

describe('reset and unlock from the app against the Samba DC', () => {
  let logs: LogCapture | undefined;
  afterEach(() => {
    logs?.restore();
    logs = undefined;
  });

  it('resets the password: the client decrypts one AD accepted (must change at next logon), fetched once, never stored', async () => {
    const { user, userGuid, state, client } = await enrolledSambaUser('appreset');
    expect(await tryBind(user.dn, user.password)).toBe('ok');

    logs = captureLogs();
    const requestId = await client.request('reset');
    const answer = await client.awaitAnswer(requestId, ANSWER_WAIT);
    const logText = logs.text();
    logs.restore();
    if (answer.state !== 'password-ready') throw new Error(`expected a password, got ${JSON.stringify(answer)}`);
    const { password } = answer;
    expect(password.length).toBeGreaterThanOrEqual(12);

    // AD took it: the new password is right (data 773: must change at next logon, RESET_FORCE_CHANGE), the old is not.
    expect(await tryBind(user.dn, password)).toBe('773');
    expect(await tryBind(user.dn, user.password)).toBe('52e');

    // Fetched once: the next read of the same request finds it gone.
    expect(await client.fetchResult(requestId)).toEqual({ state: 'gone' });

    // Never stored, queued, mailed or logged in plaintext; the email notice went out without it.
    const stored = await everythingStored();
    expect(stored).toContain(`APPRESULT#${requestId}`);
    expect(stored).toContain(requestId);
    expect(stored).not.toContain(password);
    expect(logText).not.toContain(password);
    const notices = (await blink.listEmails()).filter(
      (email) => email.to.toLowerCase() === `${user.samAccountName}@corp.example.test`.toLowerCase(),
    );
    expect(notices.length).toBeGreaterThanOrEqual(2);

    // The audit trail has the request and the reset, tied by the request id.
    const audit = await blink.composition.adapters.auditLog.listForUser(userGuid, 50);
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'reset-requested', channel: 'app', result: 'success', requestId }),
        expect.objectContaining({ action: 'reset', channel: 'app', result: 'success' }),
      ]),
    );
    expect(state.deviceId).toBe(client.deviceId);
  });

  it('unlocks a real lockout, says so when the account is not locked, and refuses a revoked device at once', async () => {
    const { user, state, client } = await enrolledSambaUser('appunlk');
    await lockOut(user);
    expect(await tryBind(user.dn, user.password)).toBe('775');

    expect(await client.unlock(ANSWER_WAIT)).toMatchObject({ state: 'unlocked' });
    expect(await tryBind(user.dn, user.password)).toBe('ok');
    expect(await client.unlock(ANSWER_WAIT)).toMatchObject({ state: 'not-locked' });

    await admin('POST', `/admin/devices/${state.deviceId}/revoke`);
    await expect(client.request('reset')).rejects.toMatchObject({ status: 401, code: 'DEVICE_UNAUTHORIZED' });
    await expect(client.request('unlock')).rejects.toMatchObject({ status: 401, code: 'DEVICE_UNAUTHORIZED' });
    expect(await tryBind(user.dn, user.password)).toBe('ok');
  });

  it('the device CLI resets and the admin CLI lists the audit events', async () => {
    const { user, userGuid, state } = await enrolledSambaUser('appcli');
    const folder = await mkdtemp(path.join(tmpdir(), 'blink-app-reset-'));
    const stateFile = path.join(folder, 'device.json');
    await writeFile(stateFile, JSON.stringify(state), { mode: 0o600 });
    try {
      const tsx = path.join(REPOSITORY_ROOT, 'node_modules/.bin/tsx');
      const device = await run(tsx, ['device-client/cli.ts', 'reset', '--state', stateFile, '--timeout', '30'], {
        cwd: REPOSITORY_ROOT,
        timeout: 60_000,
      });
      const password = /New Windows password for .*:\n\n {2}(\S+)\n/.exec(device.stdout)?.[1];
      if (!password) throw new Error(`no password in the CLI output: ${device.stdout}${device.stderr}`);
      expect(await tryBind(user.dn, password)).toBe('773');

      const env = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: String(blink.port),
        LOCAL_ADMIN_TOKEN: ADMIN_TOKEN,
      };
      for (const who of [user.samAccountName, userGuid]) {
        const listed = await run(tsx, ['scripts/admin.ts', 'audit', '--user', who], {
          cwd: REPOSITORY_ROOT,
          env,
          timeout: 30_000,
        });
        expect(listed.stdout).toMatch(/reset-requested\s+app\s+success/);
        expect(listed.stdout).toMatch(/ reset\s+app\s+success/);
        expect(listed.stdout).not.toContain(password);
      }
      const limited = await run(tsx, ['scripts/admin.ts', 'audit', '--user', userGuid, '--limit', '1'], {
        cwd: REPOSITORY_ROOT,
        env,
        timeout: 30_000,
      });
      expect(limited.stdout.trim().split('\n')).toHaveLength(1);
      const route = (await admin('GET', `/admin/enrollments/${userGuid}/audit`)) as {
        userGuid: string;
        events: Array<{ action: string }>;
      };
      expect(route.userGuid).toBe(userGuid);
      expect(route.events.map((event) => event.action)).toEqual(
        expect.arrayContaining(['device.registered', 'reset-requested', 'reset']),
      );
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
