import { randomUUID } from 'node:crypto';
import { createDirectoryWorkerAdminHandler } from '../../functions/directory-worker/admin-handler.js';
import { testObservability } from '../support/observability.js';
import type { Directory, DirectoryUser } from '../../shared/ports/directory.js';
import { createAdminActivation, type AdminActivation } from '../../shared/use-cases/activation/index.js';
import {
  decodeResolveCursor,
  encodeResolveCursor,
  resolveRequestSchema,
  type ResolveResult,
} from '../../shared/domain/worker-admin-contract.js';
import { runAdmin } from '../../scripts/admin.js';
import { captureLogsOfEachTest } from '../support/capture-logs.js';
import { lambdaContext } from '../support/lambda-context.js';
import { ManualClock } from '../support/manual-clock.js';
import { silentLogger } from '../support/silent-logger.js';

/*
 * Paging of admin resolve where Samba cannot show it: a directory that answers slowly (the time budget), and the
 * cursor and page size at the contract's edge. The Samba-backed paging tests are in
 * test/integration/admin-activation-scale.test.ts.
 */

const user = (index: number): DirectoryUser => ({
  objectGuid: randomUUID(),
  dn: `CN=user${index},OU=Big,DC=corp,DC=example,DC=test`,
  samAccountName: `user${index}`,
  displayName: `User ${index}`,
  mail: `user${index}@corp.example.test`,
  userAccountControl: 512,
  adminCount: 0,
  accountExpires: '0',
  lockoutTime: '0',
  isComputer: false,
});

describe('resolve cursor', () => {
  it('round-trips a GUID and refuses anything else', () => {
    const guid = randomUUID();
    expect(decodeResolveCursor(encodeResolveCursor(guid.toUpperCase()))).toBe(guid);
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const bad of [
      '',
      'x',
      '!!!',
      encode({ after: 'nope' }),
      encode({ after: guid, more: 1 }),
      encode([guid]),
      'a'.repeat(201),
      `${encode({ after: guid })}=`,
    ]) {
      expect({ bad, decoded: decodeResolveCursor(bad) }).toEqual({ bad, decoded: undefined });
    }
  });

  it('is checked with the request: a bad cursor or page size fails the schema', () => {
    const target = { ou: 'OU=Big,DC=corp,DC=example,DC=test' };
    expect(
      resolveRequestSchema.safeParse({ target, cursor: encodeResolveCursor(randomUUID()), pageSize: 500 }).success,
    ).toBe(true);
    for (const extra of [{ cursor: 'zzz' }, { pageSize: 0 }, { pageSize: 501 }, { pageSize: 1.5 }]) {
      expect({ extra, ok: resolveRequestSchema.safeParse({ target, ...extra }).success }).toEqual({ extra, ok: false });
    }
  });
});

describe('resolve in pages', () => {
  const clock = new ManualClock('2026-11-27T00:00:00Z');
  const users = Array.from({ length: 50 }, (_, index) => user(index));
  let slowSecondsPerUser = 0;
  const directory = {
    listUsersInOu: async () => [...users],
    // A slow directory: each protection query takes this long on the (manual) clock.
    isProtected: async () => {
      clock.advanceSeconds(slowSecondsPerUser);
      return false;
    },
  } as unknown as Directory;
  const nothingWritten = new Proxy(
    {},
    {
      get: (_target, name) => () => {
        throw new Error(`resolve writes and sends nothing (called ${String(name)})`);
      },
    },
  ) as never;
  const activation = createAdminActivation({
    directory,
    clock,
    enrollmentStore: { get: async () => undefined } as never,
    roster: nothingWritten,
    emailSender: nothingWritten,
    secrets: nothingWritten,
    auditLog: nothingWritten,
    logger: silentLogger,
    settings: { publicBaseUrl: 'https://blink.example.test', activationTtlHours: 72 },
    branding: { productName: 'Blink', supportContact: 'IT' },
    resolveTimeBudgetMs: 20_000,
  });
  const target = { ou: 'OU=Big,DC=corp,DC=example,DC=test' };
  const sortedGuids = users.map((entry) => entry.objectGuid).sort();

  const allPages = async (pageSize?: number): Promise<ResolveResult[]> => {
    const pages: ResolveResult[] = [];
    let cursor: string | undefined;
    do {
      const page = await activation.resolve(target, 'r-1', {
        ...(cursor ? { cursor } : {}),
        ...(pageSize ? { pageSize } : {}),
      });
      pages.push(page);
      cursor = page.nextCursor;
    } while (cursor && pages.length < 60);
    return pages;
  };

  beforeEach(() => {
    slowSecondsPerUser = 0;
  });

  it('judges the page after the cursor in objectGUID order, and ends without a cursor', async () => {
    const pages = await allPages(12);
    expect(pages.map((page) => page.candidates.length)).toEqual([12, 12, 12, 12, 2]);
    expect(pages.map((page) => page.total)).toEqual([50, 50, 50, 50, 50]);
    expect(pages.flatMap((page) => page.candidates.map((candidate) => candidate.userGuid))).toEqual(sortedGuids);
    expect(pages[4]?.nextCursor).toBeUndefined();
    // The default page size (200) takes all 50 in one answer.
    expect((await allPages()).map((page) => page.candidates.length)).toEqual([50]);
  });

  it('stops a page early when the directory is slow, with a cursor that loses and repeats nobody', async () => {
    // 8 users are judged at once: 8 s per batch, so the 20 s budget ends the page after 3 batches (24 users).
    slowSecondsPerUser = 1;
    const pages = await allPages(200);
    expect(pages.map((page) => page.candidates.length)).toEqual([24, 24, 2]);
    expect(pages.flatMap((page) => page.candidates.map((candidate) => candidate.userGuid))).toEqual(sortedGuids);
  });

  it('refuses a cursor it did not issue rather than starting over', async () => {
    await expect(activation.resolve(target, 'r-1', { cursor: 'bogus' })).rejects.toThrow(/cursor/);
  });
});

describe('worker admin entry and resolve paging', () => {
  captureLogsOfEachTest();

  it('passes the cursor and page size on, and refuses bad ones before running anything', async () => {
    const calls: unknown[] = [];
    const activation: AdminActivation = {
      resolve: async (...args) => {
        calls.push(args[2]);
        return { candidates: [], skipped: [], total: 0 };
      },
      activate: async () => ({ activated: [], skipped: [] }),
    };
    const handler = createDirectoryWorkerAdminHandler({
      observability: testObservability('worker-admin-test'),
      activation,
    });
    const cursor = encodeResolveCursor(randomUUID());
    const reply = await handler(
      { admin: { action: 'resolve', target: { user: 'x' }, cursor, pageSize: 7 } },
      lambdaContext(),
    );
    expect(reply).toEqual({ ok: true, result: { candidates: [], skipped: [], total: 0 } });
    expect(calls).toEqual([{ reactivate: false, cursor, pageSize: 7 }]);
    for (const extra of [{ cursor: 'nope' }, { pageSize: 501 }]) {
      const refused = await handler({ admin: { action: 'resolve', target: { user: 'x' }, ...extra } }, lambdaContext());
      expect(refused).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    }
    expect(calls).toHaveLength(1);
  });
});

describe('admin CLI --page-size', () => {
  it('refuses a page size out of range before any request', async () => {
    for (const size of ['0', '501', 'many', '2.5']) {
      await expect(
        runAdmin(
          ['activate', '--ou', 'OU=Big,DC=corp', '--page-size', size],
          { LOCAL_ADMIN_TOKEN: 't' },
          () => undefined,
        ),
      ).rejects.toThrow(/--page-size must be a whole number from 1 to 500/);
    }
  });
});
