import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { SQSEvent } from 'aws-lambda';
import {
  createDirectoryWorkerAdminHandler,
  dispatchWorkerEvent,
} from '../../functions/directory-worker/admin-handler.js';
import { LambdaWorkerInvoker } from '../../shared/adapters/lambda/worker-invoker.js';
import {
  AmbiguousUserError,
  DeliveryError,
  DirectoryOperationError,
  DirectoryUnavailableError,
  ValidationError,
} from '../../shared/domain/errors.js';
import { renderActivationEmail } from '../../shared/email/activation-email.js';
import { escapeHtml } from '../../shared/email/html.js';
import { testObservability } from '../support/observability.js';
import { createAdminActivation, type AdminActivation } from '../../shared/use-cases/activation/index.js';
import type { Directory } from '../../shared/ports/directory.js';
import { runAdmin } from '../../scripts/admin.js';
import { captureLogsOfEachTest } from '../support/capture-logs.js';
import { lambdaContext } from '../support/lambda-context.js';
import { silentLogger } from '../support/silent-logger.js';

const GUID = '0b8e1c9a-4f7d-4c5e-9a3b-2d1f0e9c8b7a';

describe('activation email', () => {
  const hostile = {
    to: 'eve@corp.example.test',
    displayName: '<script>alert("x")</script> Eve & Co',
    link: 'https://blink.example.test/setup#t=abc"><img src=x onerror=alert(1)>',
    expiresAt: new Date('2026-11-29T23:00:00Z'),
    productName: 'Blink <b>',
    supportContact: "the 'help' desk <helpdesk@corp.example.test>",
  };

  it('escapes every value in the HTML part', () => {
    const email = renderActivationEmail(hostile);
    expect(email.html).not.toMatch(/<script|<img|<b>|onerror=alert\(1\)>/);
    expect(email.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Eve &amp; Co');
    expect(email.html).toContain(
      'href="https://blink.example.test/setup#t=abc&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"',
    );
    expect(email.html).toContain('the &#39;help&#39; desk &lt;helpdesk@corp.example.test&gt;');
  });

  it('carries the same link, expiry and contact in the text part, with the product in the subject', () => {
    const email = renderActivationEmail({
      ...hostile,
      displayName: 'Eve',
      link: 'https://blink.example.test/setup#t=tok',
      productName: 'Blink',
    });
    expect(email.to).toBe('eve@corp.example.test');
    expect(email.subject).toBe('Activate Blink password reset');
    expect(email.text).toContain('\nhttps://blink.example.test/setup#t=tok\n');
    expect(email.text).toContain('expires on 2026-11-29 at 23:00 UTC');
    expect(email.text).toContain("contact the 'help' desk <helpdesk@corp.example.test>");
  });

  it('says what is true of the link: it resumes setup until setup is finished, for up to the configured hours', () => {
    const email = renderActivationEmail({ ...hostile, displayName: 'Eve', productName: 'Blink', validForHours: 72 });
    for (const part of [email.text, email.html]) {
      expect(part).not.toMatch(/works once/);
      expect(part).toContain(
        'The link works until you finish setup, for up to 72 hours: it expires on 2026-11-29 at 23:00 UTC.',
      );
      expect(part).toContain('If you get a newer activation email, use the link in that one.');
    }
  });

  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
});

describe('directory worker admin entry', () => {
  captureLogsOfEachTest();

  const handlerWith = (activation: Partial<AdminActivation>) =>
    createDirectoryWorkerAdminHandler({
      observability: testObservability('worker-admin-test'),
      activation: {
        resolve: async () => ({ candidates: [], skipped: [], total: 0 }),
        activate: async () => ({ activated: [], skipped: [] }),
        ...activation,
      },
    });

  it('runs a valid request and answers with its result', async () => {
    const handler = handlerWith({
      resolve: async () => ({ candidates: [], skipped: [{ name: 'x', reason: 'not-found' }], total: 0 }),
    });
    const reply = await handler({ admin: { action: 'resolve', target: { user: 'x' } } }, lambdaContext());
    expect(reply).toEqual({
      ok: true,
      result: { candidates: [], skipped: [{ name: 'x', reason: 'not-found' }], total: 0 },
    });
  });

  it('refuses an invalid request without running anything', async () => {
    let ran = false;
    const handler = handlerWith({
      activate: async () => {
        ran = true;
        return { activated: [], skipped: [] };
      },
    });
    const tooMany = Array.from({ length: 26 }, () => GUID);
    for (const admin of [
      { action: 'activate', userGuids: tooMany },
      { action: 'activate', userGuids: ['x'] },
      { action: 'drop-table' },
      'text',
    ]) {
      const reply = await handler({ admin }, lambdaContext());
      expect(reply).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    }
    expect(ran).toBe(false);
  });

  it('answers named failures with their code, and anything else without its details', async () => {
    const unavailable = handlerWith({
      resolve: async () => {
        throw new DirectoryUnavailableError('no domain controller answered');
      },
    });
    expect(await unavailable({ admin: { action: 'resolve', target: { group: 'g' } } }, lambdaContext())).toEqual({
      ok: false,
      error: { code: 'DIRECTORY_UNAVAILABLE', message: 'no domain controller answered' },
    });
    const crashing = handlerWith({
      activate: async () => {
        throw new Error('internal detail: socket 10.0.0.1');
      },
    });
    const reply = await crashing({ admin: { action: 'activate', userGuids: [GUID] } }, lambdaContext());
    expect(reply).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'The directory worker failed; see its logs.' },
    });
  });

  it('dispatches the worker Lambda event by its shape', async () => {
    const calls: string[] = [];
    const dispatch = dispatchWorkerEvent({
      jobs: async () => {
        calls.push('jobs');
        return { batchItemFailures: [] };
      },
      admin: async () => {
        calls.push('admin');
        return { ok: true, result: { activated: [], skipped: [] } };
      },
    });
    await dispatch({ admin: { action: 'resolve', target: { user: 'x' } } }, lambdaContext());
    const sqs = { Records: [{ eventSource: 'aws:sqs', body: '{}' }] } as unknown as SQSEvent;
    await dispatch(sqs, lambdaContext());
    expect(calls).toEqual(['admin', 'jobs']);
    for (const odd of [
      {},
      { Records: [] },
      { Records: [{ eventSource: 'aws:sns' }] },
      { admin: {}, extra: 1 },
      null,
      'ping',
    ]) {
      await expect(dispatch(odd, lambdaContext())).rejects.toThrow(ValidationError);
    }
    expect(calls).toEqual(['admin', 'jobs']);
  });
});

describe('admin API → worker invocation', () => {
  const lambda = mockClient(LambdaClient);
  afterEach(() => lambda.reset());

  it('invokes the worker synchronously with {admin: …} and checks the reply', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      Payload: Buffer.from(JSON.stringify({ ok: true, result: { activated: [], skipped: [] } })) as never,
    });
    const invoker = new LambdaWorkerInvoker(new LambdaClient({ region: 'us-east-1' }), 'blink-worker');
    const reply = await invoker.invoke({ action: 'activate', userGuids: [GUID], requestId: 'r-1' });
    expect(reply).toEqual({ ok: true, result: { activated: [], skipped: [] } });
    const [call] = lambda.commandCalls(InvokeCommand);
    expect(call?.args[0].input).toMatchObject({ FunctionName: 'blink-worker', InvocationType: 'RequestResponse' });
    expect(JSON.parse(Buffer.from(call?.args[0].input.Payload as Uint8Array).toString('utf8'))).toEqual({
      admin: { action: 'activate', userGuids: [GUID], requestId: 'r-1' },
    });
  });

  it('turns a crashed or odd worker answer into a DeliveryError', async () => {
    const invoker = new LambdaWorkerInvoker(new LambdaClient({ region: 'us-east-1' }), 'blink-worker');
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: Buffer.from('{"errorMessage":"boom"}') as never,
    });
    await expect(invoker.invoke({ action: 'resolve', target: { user: 'x' } })).rejects.toThrow(DeliveryError);
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: Buffer.from('{"surprise":true}') as never });
    await expect(invoker.invoke({ action: 'resolve', target: { user: 'x' } })).rejects.toThrow(DeliveryError);
  });
});

describe('admin CLI against a deployed API', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    jest.restoreAllMocks();
  });

  it('signs each request with SigV4 for execute-api in the API region, with credentials from the default chain', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    const requests: Array<{ url: string; headers: Record<string, string> }> = [];
    jest.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      requests.push({ url: String(input), headers: (init?.headers ?? {}) as Record<string, string> });
      return new Response(JSON.stringify({ enrollments: [] }), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    });
    const lines: string[] = [];
    await runAdmin(['list', '--api', 'https://abc123.execute-api.eu-west-1.amazonaws.com/v1/'], {}, (line) =>
      lines.push(line),
    );
    expect(lines).toEqual(['No enrollments.']);
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request?.url).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com/v1/admin/enrollments');
    expect(request?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(request?.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    // No bearer token goes to a deployed API.
    expect(JSON.stringify(request?.headers)).not.toContain('Bearer');
  });

  it('refuses a plain-http deployed API URL', async () => {
    await expect(
      runAdmin(['list', '--api', 'http://abc123.execute-api.eu-west-1.amazonaws.com/v1'], {}, () => undefined),
    ).rejects.toThrow(/https/);
  });
});

// Samba enforces unique names, so an ambiguous lookup cannot be produced there: a directory that reports ambiguity.
describe('admin activation with ambiguous directory answers', () => {
  const untouched = new Proxy(
    {},
    {
      get: (_target, name) => () => {
        throw new Error(`nothing may be written or sent for an ambiguous target (called ${String(name)})`);
      },
    },
  ) as never;
  const ambiguousDirectory = {
    findUserBySamAccountName: async () => {
      throw new AmbiguousUserError('more than one directory entry matches the lookup');
    },
    findUserByUserPrincipalName: async () => {
      throw new AmbiguousUserError('more than one directory entry matches the lookup');
    },
    findUserByGuid: async () => {
      throw new AmbiguousUserError('more than one directory entry matches the lookup');
    },
    listGroupMembers: async () => {
      throw new DirectoryOperationError('more than one group matches the name');
    },
    listUsersInOu: async () => {
      throw new DirectoryUnavailableError('no domain controller answered');
    },
  } as unknown as Directory;
  const recorded: unknown[] = [];
  const activation = createAdminActivation({
    directory: ambiguousDirectory,
    enrollmentStore: untouched,
    roster: untouched,
    emailSender: untouched,
    secrets: untouched,
    auditLog: { record: async (event: unknown) => void recorded.push(event), listForUser: async () => [] },
    clock: { now: () => new Date('2026-11-27T00:00:00Z') },
    logger: silentLogger,
    settings: { publicBaseUrl: 'https://blink.example.test', activationTtlHours: 72 },
    branding: { productName: 'Blink', supportContact: 'IT' },
  });

  it('reports an ambiguous user or group as skipped, and activates nobody', async () => {
    expect(await activation.resolve({ user: 'twin' })).toEqual({
      candidates: [],
      skipped: [{ name: 'twin', reason: 'ambiguous' }],
      total: 0,
    });
    expect(await activation.resolve({ user: 'twin@corp.example.test' })).toEqual({
      candidates: [],
      skipped: [{ name: 'twin@corp.example.test', reason: 'ambiguous' }],
      total: 0,
    });
    expect(await activation.resolve({ group: 'Staff' })).toEqual({
      candidates: [],
      skipped: [{ name: 'Staff', reason: 'ambiguous' }],
      total: 0,
    });
    expect(await activation.activate([GUID])).toEqual({
      activated: [],
      skipped: [{ name: GUID, reason: 'ambiguous' }],
    });
    expect(recorded).toEqual([
      expect.objectContaining({ userGuid: GUID, action: 'enrollment.activation-refused', reason: 'ambiguous' }),
    ]);
  });

  it('lets an unreachable directory fail the request instead of reporting users as skipped', async () => {
    await expect(activation.resolve({ ou: 'OU=Staff,DC=corp,DC=example,DC=test' })).rejects.toThrow(
      DirectoryUnavailableError,
    );
  });
});
