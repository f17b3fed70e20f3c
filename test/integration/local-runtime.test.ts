import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { MAX_BODY_BYTES, toApiGatewayEvent, readBody } from '../../local/api-gateway-bridge.js';
import { startLocalBlink, type LocalBlink } from '../../local/runtime.js';
import { startDemoDirectory } from '../../local/demo-directory/server.js';
import { captureLogs, type LogCapture } from '../support/capture-logs.js';
import { pollUntil } from '../support/poll.js';
import { activate, testUser } from '../support/activations.js';

// The local runtime end to end, in-process on port 0, with the demo directory. The environment is given explicitly so
// a developer's own LDAP_* or PORT settings cannot change what is tested.
const testEnv = { BLINK_VERSION: 'test-1.2.3' };

async function queueDepth(blink: LocalBlink, queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes = {} } = await blink.composition.sqsClient.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 'NaN'),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 'NaN'),
  };
}

/** Runs `body` with stdout/stderr captured (Powertools logs are JSON lines there), always restoring them. */
async function withLogs<T>(body: (logs: LogCapture) => Promise<T>): Promise<T> {
  const logs = captureLogs();
  try {
    return await body(logs);
  } finally {
    logs.restore();
  }
}

/** Queues a ping job on `blink` and waits until its worker logs it done; returns the job's id. */
async function pingJobDone(blink: LocalBlink, logs: LogCapture, description: string): Promise<string> {
  const jobId = randomUUID();
  await blink.composition.adapters.jobQueue.enqueue({ kind: 'ping', jobId, requestedAt: new Date().toISOString() });
  await pollUntil(
    async () => (logs.lines().some((line) => line.message === 'job done' && line.jobId === jobId) ? true : undefined),
    {
      timeoutMs: 15_000,
      description,
    },
  );
  return jobId;
}

describe('local runtime', () => {
  let blink: LocalBlink;

  beforeAll(async () => {
    blink = await startLocalBlink({
      env: testEnv,
      port: 0,
      directory: 'demo',
      // Small timings so retries and dead-lettering happen within the test; the schedule stays out of the way here.
      queue: { visibilityTimeoutSeconds: 1, maxReceiveCount: 2 },
      lockoutScanIntervalSeconds: 3600,
    });
  });

  afterAll(async () => {
    await blink?.stop();
  });

  describe('HTTP bridge to the API handler', () => {
    it('answers /health and /version through the handler', async () => {
      const health = await fetch(`${blink.url}/health`);
      expect(health.status).toBe(200);
      expect(health.headers.get('cache-control')).toBe('no-store');
      expect(await health.json()).toEqual({ status: 'ok' });

      const version = await fetch(`${blink.url}/version`);
      expect(version.status).toBe(200);
      expect(await version.json()).toEqual({ name: 'blink', version: 'test-1.2.3' });
    });

    it('answers unknown routes with a 404 JSON error', async () => {
      const response = await fetch(`${blink.url}/no/such/route?x=1`, { method: 'POST', body: 'ignored' });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No such route.' } });
    });
  });

  describe('Host names it answers for (DNS rebinding)', () => {
    /** A request with the Host header as given (fetch would not let a test set it); undefined sends none. */
    function requestWithHost(host: string | undefined, method: string, route: string, body?: string) {
      return new Promise<{ status: number; json: unknown }>((resolve, reject) => {
        const request = httpRequest(
          {
            host: '127.0.0.1',
            port: blink.port,
            method,
            path: route,
            setHost: false,
            headers: {
              ...(host === undefined ? {} : { host }),
              ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              resolve({
                status: response.statusCode ?? 0,
                json: response.headers['content-type']?.startsWith('application/json') ? JSON.parse(text) : text,
              });
            });
          },
        );
        request.on('error', reject);
        request.end(body);
      });
    }

    it('refuses every route with 421 for a Host it does not serve, and acts on nothing', async () => {
      const before = blink.inboundMessages().length;
      const hostile = [
        `rebind.attacker.example:${blink.port}`,
        `127.0.0.1:${blink.port + 1}`,
        `localhost`,
        `rebind.attacker.example`,
      ];
      for (const host of hostile) {
        for (const route of [
          '/_local/api/sms',
          '/_local',
          '/_local/console.js',
          '/health',
          '/setup',
          '/admin/enrollments',
        ]) {
          const answer = await requestWithHost(host, 'GET', route);
          expect({ host, route, status: answer.status }).toEqual({ host, route, status: 421 });
          expect(answer.json).toEqual({
            error: {
              code: 'MISDIRECTED_REQUEST',
              message: expect.stringMatching(/127\.0\.0\.1, localhost and the PUBLIC_BASE_URL host/),
            },
          });
        }
        const posted = await requestWithHost(
          host,
          'POST',
          '/_local/api/sms/inbound',
          JSON.stringify({ from: '+12065550123', body: 'RESET' }),
        );
        expect(posted.status).toBe(421);
      }
      // No Host at all: Node's HTTP/1.1 parser refuses it (400) before the runtime sees it.
      expect(
        (
          await requestWithHost(
            undefined,
            'POST',
            '/_local/api/sms/inbound',
            JSON.stringify({ from: '+12065550123', body: 'RESET' }),
          )
        ).status,
      ).toBe(400);
      expect(blink.inboundMessages()).toHaveLength(before);
    });

    it('answers for 127.0.0.1 and localhost on its own port (any case)', async () => {
      for (const host of [`127.0.0.1:${blink.port}`, `localhost:${blink.port}`, `LocalHost:${blink.port}`]) {
        expect(await requestWithHost(host, 'GET', '/health')).toEqual({ status: 200, json: { status: 'ok' } });
      }
      expect((await requestWithHost(`localhost:${blink.port}`, 'GET', '/_local/api/sms')).status).toBe(200);
    });
  });

  describe('request bodies over the limit', () => {
    it('answers an oversized API body with a 413 JSON error the client receives (not a dropped connection)', async () => {
      const oversized = Buffer.alloc(MAX_BODY_BYTES + 1024 * 1024, 'a');
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = httpRequest(
          {
            host: '127.0.0.1',
            port: blink.port,
            method: 'POST',
            path: '/api/enrollment/start',
            headers: { 'content-type': 'application/json', 'content-length': oversized.length },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () =>
              resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
            );
          },
        );
        request.on('error', reject);
        request.end(oversized);
      });
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body)).toEqual({
        error: { code: 'PAYLOAD_TOO_LARGE', message: expect.stringMatching(/larger than/) },
      });
      // The runtime still answers afterwards.
      expect((await fetch(`${blink.url}/health`)).status).toBe(200);
    });
  });

  describe('console', () => {
    it('serves the page with strict headers and no inline script', async () => {
      const response = await fetch(blink.consoleUrl);
      expect(response.status).toBe(200);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      const page = await response.text();
      expect(page).toContain('<script src="/_local/console.js" defer></script>');
      // Every <script> tag has a src: nothing inline for the CSP to refuse.
      expect(page.match(/<script(?![^>]*\ssrc=)[^>]*>/g)).toBeNull();

      const script = await fetch(`${blink.url}/_local/console.js`);
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(await script.text()).toContain('/_local/api/sms/inbound');
    });

    it('lists SMS, emails and pushes sent through the real adapters, as JSON and on the page (escaped)', async () => {
      const marker = randomUUID();
      await blink.composition.adapters.smsSender.send({ to: '+12065550123', body: `code <b>${marker}</b>` });
      await blink.composition.adapters.emailSender.send({
        to: 'jane.doe@corp.example.test',
        subject: `Subject ${marker}`,
        text: `Text ${marker}`,
        html: `<p>Html ${marker}</p>`,
      });
      await blink.composition.adapters.pushSender.send({ target: 'device-1', title: `Title ${marker}`, body: 'Body' });

      const sms = (await (await fetch(`${blink.url}/_local/api/sms`)).json()) as Array<Record<string, unknown>>;
      expect(sms).toContainEqual({
        to: '+12065550123',
        from: '+18553917277',
        body: `code <b>${marker}</b>`,
        at: expect.any(String),
      });

      const emails = (await (await fetch(`${blink.url}/_local/api/email`)).json()) as Array<Record<string, unknown>>;
      expect(emails).toContainEqual({
        to: 'jane.doe@corp.example.test',
        subject: `Subject ${marker}`,
        text: `Text ${marker}`,
        html: `<p>Html ${marker}</p>`,
        at: expect.any(String),
      });

      const pushes = (await (await fetch(`${blink.url}/_local/api/push`)).json()) as Array<Record<string, unknown>>;
      expect(pushes).toContainEqual(
        expect.objectContaining({ target: 'device-1', title: `Title ${marker}`, body: 'Body' }),
      );

      const page = await (await fetch(blink.consoleUrl)).text();
      expect(page).toContain(`code &lt;b&gt;${marker}&lt;/b&gt;`);
      expect(page).not.toContain(`<b>${marker}</b>`);
      expect(page).toContain(`&lt;p&gt;Html ${marker}&lt;/p&gt;`);
      expect(page).toContain(`Title ${marker}`);
    });
  });

  describe('locking a demo user out from the console', () => {
    it('types wrong passwords until the demo directory locks the account, which the lockout scan then finds', async () => {
      const lock = (body: unknown, headers: Record<string, string> = {}) =>
        fetch(`${blink.url}/_local/api/directory/lock`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body),
        });
      const scanned = async () =>
        (
          await blink.composition.adapters.directory.scanLockedAccounts({ pageSize: 100, timeBudgetMs: 10_000 })
        ).locked.map((account) => account.samAccountName);
      expect(await scanned()).not.toContain('john.smith');

      const crossSite = await lock({ samAccountName: 'john.smith' }, { 'sec-fetch-site': 'cross-site' });
      expect(crossSite.status).toBe(403);
      expect((await lock({ samAccountName: 'nobody' })).status).toBe(400);
      expect(await scanned()).not.toContain('john.smith');

      const locked = await lock({ samAccountName: 'john.smith' });
      expect(locked.status).toBe(200);
      // The demo domain's lockout threshold (local/demo-directory/seed.ts): five wrong passwords.
      expect(await locked.json()).toEqual({ samAccountName: 'john.smith', locked: true, wrongPasswords: 5 });
      expect(await scanned()).toContain('john.smith');
      const page = await (await fetch(blink.consoleUrl)).text();
      expect(page).toMatch(/<code>john\.smith<\/code>.*?<strong class="locked">yes<\/strong>/s);
      // Already locked: nothing more to type.
      expect(await (await lock({ samAccountName: 'john.smith' })).json()).toEqual({
        samAccountName: 'john.smith',
        locked: true,
        wrongPasswords: 0,
      });
    });
  });

  describe('inbound SMS', () => {
    it('wraps the message in an SNS event and hands it to the inbound-sms handler', async () => {
      const { response, logLines } = await withLogs(async (logs) => {
        const answer = await fetch(`${blink.url}/_local/api/sms/inbound`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ from: '+12065550123', to: '+14437477277', body: 'reset now' }),
        });
        return { response: answer, logLines: logs.lines() };
      });
      expect(response.status).toBe(202);
      const { inboundMessageId } = (await response.json()) as { inboundMessageId: string };
      expect(inboundMessageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

      // The handler parsed the two-way JSON and logged it under its function name…
      expect(logLines).toContainEqual(
        expect.objectContaining({
          message: 'inbound SMS received',
          inboundMessageId,
          function_name: 'blink-inbound-sms',
        }),
      );
      // …and passed it to the use case, which the console lists.
      const handled = (await (await fetch(`${blink.url}/_local/api/sms/inbound`)).json()) as Array<
        Record<string, unknown>
      >;
      expect(handled).toContainEqual(
        expect.objectContaining({ from: '+12065550123', to: '+14437477277', body: 'reset now', inboundMessageId }),
      );
    });

    it('sends to the first published number when no destination is given', async () => {
      const response = await fetch(`${blink.url}/_local/api/sms/inbound`, {
        method: 'POST',
        body: JSON.stringify({ from: '+12065550124', body: 'HELP' }),
      });
      expect(response.status).toBe(202);
      const { inboundMessageId } = (await response.json()) as { inboundMessageId: string };
      expect(blink.inboundMessages()).toContainEqual(expect.objectContaining({ inboundMessageId, to: '+18553917277' }));
    });

    it.each([
      ['a number that is not E.164', { from: '2065550123', body: 'RESET' }, /from/],
      ['an empty message', { from: '+12065550123', body: '' }, /body/],
      ['a missing sender', { body: 'RESET' }, /from/],
    ])('refuses %s with 400 and a clear message', async (_case, payload, mentions) => {
      const before = blink.inboundMessages().length;
      const response = await fetch(`${blink.url}/_local/api/sms/inbound`, {
        method: 'POST',
        body: JSON.stringify(payload),
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('VALIDATION_FAILED');
      expect(body.error.message).toMatch(mentions);
      expect(blink.inboundMessages()).toHaveLength(before);
    });

    it('refuses a body that is not JSON with 400', async () => {
      const response = await fetch(`${blink.url}/_local/api/sms/inbound`, {
        method: 'POST',
        body: 'from=+12065550123',
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/JSON/);
    });

    it('refuses console actions a browser sends from another site, and acts on none of them', async () => {
      const before = blink.inboundMessages().length;
      const post = (route: string, body: unknown) =>
        fetch(`${blink.url}${route}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' },
          body: JSON.stringify(body),
        });
      const inbound = await post('/_local/api/sms/inbound', { from: '+12065550123', body: 'RESET' });
      const job = await post('/_local/api/jobs', { kind: 'ping' });
      for (const response of [inbound, job]) {
        expect(response.status).toBe(403);
        expect(await response.json()).toEqual({
          error: { code: 'CROSS_SITE', message: 'The console refuses requests sent from another site.' },
        });
      }
      expect(blink.inboundMessages()).toHaveLength(before);
      // The console's own page (same origin) and scripts (no Fetch Metadata) still work.
      const sameOrigin = await fetch(`${blink.url}/_local/api/sms/inbound`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
        body: JSON.stringify({ from: '+12065550123', body: 'HELP' }),
      });
      expect(sameOrigin.status).toBe(202);
    });
  });

  describe('job queue poller', () => {
    it('delivers a ping job to the directory worker and deletes the message', async () => {
      await withLogs(async (logs) => {
        const jobId = await pingJobDone(blink, logs, 'the ping job to be done');
        const started = logs.lines().find((line) => line.message === 'job started' && line.jobId === jobId);
        expect(started).toMatchObject({ receiveCount: 1, function_name: 'blink-directory-worker' });
        expect(logs.lines()).toContainEqual(
          expect.objectContaining({ message: 'directory answered', url: blink.services.directory }),
        );
      });
      await pollUntil(
        async () => {
          const depth = await queueDepth(blink, blink.queue.queueUrl);
          return depth.visible === 0 && depth.inFlight === 0 ? depth : undefined;
        },
        { timeoutMs: 10_000, description: 'the job queue to drain' },
      );
      expect(await queueDepth(blink, blink.queue.deadLetterQueueUrl)).toEqual({ visible: 0, inFlight: 0 });
    });

    it('lets the console enqueue a ping job and refuses other kinds (reset)', async () => {
      await withLogs(async (logs) => {
        const response = await fetch(`${blink.url}/_local/api/jobs`, {
          method: 'POST',
          body: JSON.stringify({ kind: 'ping' }),
        });
        expect(response.status).toBe(202);
        const { jobId } = (await response.json()) as { jobId: string };
        await pollUntil(
          async () =>
            logs.lines().some((line) => line.message === 'job done' && line.jobId === jobId) ? true : undefined,
          { timeoutMs: 15_000, description: 'the console ping job to be done' },
        );
      });
      const refused = await fetch(`${blink.url}/_local/api/jobs`, {
        method: 'POST',
        body: JSON.stringify({ kind: 'reset' }),
      });
      expect(refused.status).toBe(400);
      const depths = await pollUntil(
        async () => {
          const answer = (await (await fetch(`${blink.url}/_local/api/jobs`)).json()) as {
            queue: { visible: number; inFlight: number };
            deadLetter: { visible: number; inFlight: number };
          };
          return answer.queue.visible === 0 && answer.queue.inFlight === 0 ? answer : undefined;
        },
        { timeoutMs: 10_000, description: 'the console to report an empty queue' },
      );
      expect(depths.deadLetter).toEqual({ visible: 0, inFlight: 0 });
    });

    it('retries a failing job and moves it to the DLQ after maxReceiveCount', async () => {
      await withLogs(async (logs) => {
        // A message no worker version can act on (a reset without its account): it fails on every delivery.
        const { MessageId: messageId } = await blink.composition.sqsClient.send(
          new SendMessageCommand({
            QueueUrl: blink.queue.queueUrl,
            MessageBody: JSON.stringify({
              kind: 'reset',
              jobId: randomUUID(),
              requestedAt: new Date().toISOString(),
              channel: 'sms',
            }),
          }),
        );
        await pollUntil(
          async () => ((await queueDepth(blink, blink.queue.deadLetterQueueUrl)).visible === 1 ? true : undefined),
          { timeoutMs: 30_000, description: 'the failing job to reach the DLQ' },
        );
        const attempts = logs
          .lines()
          .filter((line) => line.message === 'job refused: not a valid job' && line.messageId === messageId);
        expect(attempts.map((line) => line.receiveCount)).toEqual([1, 2]);
        expect(attempts[0]?.issues).toEqual(['userGuid']);
      });
      expect(await queueDepth(blink, blink.queue.queueUrl)).toEqual({ visible: 0, inFlight: 0 });
    });
  });
});

describe('local runtime settings', () => {
  it('passes the setup page settings to the handlers: default country and the app link of PUBLIC_BASE_URL', async () => {
    const blink = await startLocalBlink({
      env: { ...testEnv, DEFAULT_COUNTRY: 'GB', PUBLIC_BASE_URL: 'https://reset.corp.example.com' },
      port: 0,
      directory: 'demo',
      lockoutScanIntervalSeconds: 3600,
    });
    try {
      const { token } = await activate(blink, testUser('UK User'));
      // A British mobile number typed the way a British user types it.
      const response = await fetch(`${blink.url}/api/setup/phone`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, phone: '07400 123456' }),
      });
      expect(response.status).toBe(200);
      const sms = await pollUntil(async () => blink.listSms().find((message) => message.to === '+447400123456'), {
        timeoutMs: 5000,
        description: 'the verification SMS to +447400123456',
      });
      expect(sms.body).toMatch(/ Get the Blink app: https:\/\/reset\.corp\.example\.com\/app\/$/);
    } finally {
      await blink.stop();
    }
  });
});

describe('local runtime schedule and restart', () => {
  it('enqueues lockout scans on the schedule, stops cleanly, and starts again on the same port', async () => {
    const first = await startLocalBlink({ env: testEnv, port: 0, directory: 'demo', lockoutScanIntervalSeconds: 0.2 });
    const port = first.port;
    try {
      await withLogs(async (logs) => {
        const scans = await pollUntil(
          async () => {
            const done = logs.lines().filter((line) => line.message === 'lockout scan done');
            return done.length >= 2 ? done : undefined;
          },
          { timeoutMs: 20_000, description: 'two scheduled lockout scans' },
        );
        // The demo directory starts with dave.locked locked out.
        expect(scans[0]).toMatchObject({ lockedCount: 1, complete: true, function_name: 'blink-directory-worker' });
        const jobIds = logs
          .lines()
          .filter((line) => line.message === 'job started' && line.jobKind === 'lockout-scan')
          .map((line) => line.jobId);
        expect(new Set(jobIds).size).toBe(jobIds.length);
      });
    } finally {
      await first.stop();
    }

    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();

    const second = await startLocalBlink({ env: testEnv, port, directory: 'demo', lockoutScanIntervalSeconds: 3600 });
    try {
      expect(second.port).toBe(port);
      expect((await fetch(`${second.url}/health`)).status).toBe(200);
    } finally {
      await second.stop();
    }
  });
});

describe('local runtime with a directory configured by the environment', () => {
  it('uses LDAP_URL (a comma list, tried in order), the bind settings and LDAP_CA_FILE instead of the demo directory', async () => {
    // Any LDAPS directory will do here; the demo one stands in for a real DC, configured only through the environment.
    const directoryServer = await startDemoDirectory();
    const folder = await mkdtemp(path.join(tmpdir(), 'blink-ca-'));
    const caFile = path.join(folder, 'ca.pem');
    await writeFile(caFile, directoryServer.caPem);
    const blink = await startLocalBlink({
      port: 0,
      lockoutScanIntervalSeconds: 3600,
      env: {
        ...testEnv,
        LDAP_URL: `ldaps://127.0.0.1:1, ${directoryServer.url}`,
        LDAP_BASE_DN: directoryServer.baseDn,
        LDAP_BIND_DN: directoryServer.bindDn,
        LDAP_BIND_PASSWORD: directoryServer.bindPassword,
        LDAP_CA_FILE: caFile,
      },
    });
    try {
      expect(blink.directory).toEqual({ kind: 'real', urls: `ldaps://127.0.0.1:1, ${directoryServer.url}` });
      await withLogs(async (logs) => {
        await pingJobDone(blink, logs, 'the ping job against the configured directory');
        expect(logs.lines()).toContainEqual(
          expect.objectContaining({ message: 'directory answered', url: directoryServer.url }),
        );
      });
    } finally {
      await blink.stop();
      await directoryServer.stop();
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('refuses to start with only some of the directory settings', async () => {
    await expect(startLocalBlink({ port: 0, env: { LDAP_URL: 'ldaps://dc1.corp.example.test' } })).rejects.toThrow(
      /LDAP_CA_FILE: is required/,
    );
  });
});

describe('API Gateway event built by the bridge', () => {
  let server: Server;
  let baseUrl: string;
  const events: APIGatewayProxyEvent[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      void readBody(request).then((body) => {
        events.push(toApiGatewayEvent(request, body, { stage: 'local', domainName: 'blink.example.test' }));
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** Sends a raw request (fetch would merge repeated headers). */
  function send(method: string, path: string, headers: Array<[string, string]>, body?: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(`${baseUrl}${path}`, { method });
      for (const [name, value] of headers) outgoing.appendHeader(name, value);
      outgoing.on('response', (response) => {
        response.resume();
        response.on('end', () => resolve());
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  it('builds a REST v1 proxy event; sourceIp comes from the socket, never from X-Forwarded-For', async () => {
    await send(
      'POST',
      '/enroll/start?lang=en&tag=a&tag=b',
      [
        ['Content-Type', 'application/json'],
        ['X-Forwarded-For', '203.0.113.9'],
        ['X-Custom', 'one'],
        ['X-Custom', 'two'],
      ],
      Buffer.from('{"a":1}'),
    );
    const event = events.at(-1);
    expect(event).toMatchObject({
      httpMethod: 'POST',
      path: '/enroll/start',
      resource: '/{proxy+}',
      pathParameters: { proxy: 'enroll/start' },
      queryStringParameters: { lang: 'en', tag: 'b' },
      multiValueQueryStringParameters: { lang: ['en'], tag: ['a', 'b'] },
      body: '{"a":1}',
      isBase64Encoded: false,
      requestContext: {
        stage: 'local',
        path: '/local/enroll/start',
        resourcePath: '/{proxy+}',
        domainName: 'blink.example.test',
        identity: { sourceIp: '127.0.0.1' },
      },
    });
    expect(event?.headers['X-Forwarded-For']).toBe('203.0.113.9');
    expect(event?.multiValueHeaders['X-Custom']).toEqual(['one', 'two']);
    expect(event?.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('base64-encodes binary bodies and leaves empty ones null', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    await send('PUT', '/blob', [['Content-Type', 'application/octet-stream']], bytes);
    expect(events.at(-1)).toMatchObject({
      isBase64Encoded: true,
      body: bytes.toString('base64'),
      queryStringParameters: null,
    });

    await send('GET', '/', []);
    expect(events.at(-1)).toMatchObject({ body: null, isBase64Encoded: false, resource: '/', pathParameters: null });
  });
});
