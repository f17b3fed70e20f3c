import { randomInt, randomUUID } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { Attribute, Change } from 'ldapts';
import { startLocalBlink, type LocalBlink } from '../../local/runtime.js';
import { DynamoJobLedger } from '../../shared/adapters/dynamodb/job-ledger.js';
import { createDocumentClient } from '../../shared/composition/aws-clients.js';
import type { DirectoryJob } from '../../shared/domain/directory-job.js';
import type { Directory } from '../../shared/ports/directory.js';
import { createAccountJobs } from '../../shared/use-cases/reset/index.js';
import type { RefusalReason } from '../../shared/use-cases/reset/dependencies.js';
import { captureLogs, type LogCapture } from '../support/capture-logs.js';
import { localTarget } from '../support/local-aws.js';
import { pollUntil } from '../support/poll.js';
import { closeCuttingConnections, listenOnFreeLoopbackPort } from '../support/tcp-server.js';
import { asAdmin, createTestUser, getSambaConnection, lockOut, tryBind, type TestUser } from './support/samba.js';
import { activeEnrollment } from '../support/enrollments.js';
import { jobQueueDrained, queueDepth } from './support/queue.js';
import { text } from './support/inbound-sms.js';
import { resetSettingsFrom } from '../../shared/composition/reset.js';
import { FUNCTION_TIMEOUT_SECONDS } from '../../shared/composition/timeouts.js';

// The directory worker's reset and unlock jobs end to end: the local runtime (dynalite, fauxqs with real visibility
// timeouts and redrive, the SMS endpoint, SES local) against the shared Samba AD DC. Every test works on throwaway AD
// users of its own; the shared fixture users are never written.

const PASSWORD_SMS = /your new Windows password is (\S+)/;
const REFUSED_RESET = 'Blink: we could not reset your password. Contact your IT service desk.';

interface Enrolled extends TestUser {
  userGuid: string;
  phone: string;
  mail: string;
}

/** A loopback TCP relay to the DC that can be made to refuse (drop every connection) and to answer again. */
interface DirectoryGate {
  port: number;
  down(): void;
  up(): void;
  close(): Promise<void>;
}

async function startGate(targetPort: number): Promise<DirectoryGate> {
  const sockets = new Set<Socket>();
  let open = true;
  const server = createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) sockets.add(socket);
    const drop = () => {
      for (const socket of [client, upstream]) {
        socket.destroy();
        sockets.delete(socket);
      }
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const port = await listenOnFreeLoopbackPort(server);
  return {
    port,
    down() {
      open = false;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    up() {
      open = true;
    },
    close: () => closeCuttingConnections(server, sockets),
  };
}

/** A loopback port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listenOnFreeLoopbackPort(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const samba = getSambaConnection();
const sambaPort = Number(new URL(samba.urls[0] ?? 'ldaps://127.0.0.1:636').port || 636);

function realDirectory(urls: string) {
  return {
    urls,
    baseDn: samba.baseDn,
    bindDn: samba.bindDn,
    bindPassword: samba.bindPassword,
    caFile: samba.caFile,
    startTls: false,
  };
}

/** Enrolls a throwaway AD user straight into the runtime's enrollment store (setup itself is tested elsewhere). */
async function enroll(blink: LocalBlink, user: TestUser): Promise<Enrolled> {
  const found = await blink.composition.adapters.directory.findUserBySamAccountName(user.samAccountName);
  if (!found?.mail) throw new Error(`${user.samAccountName} not found or without mail`);
  const phone = `+1206555${String(randomInt(0, 10_000)).padStart(4, '0')}`;
  const { objectGuid: userGuid, dn, samAccountName, displayName, mail } = found;
  const enrollment = activeEnrollment(
    { userGuid, dn, samAccountName, ...(displayName ? { displayName } : {}), mail },
    { phoneE164: phone },
  );
  await blink.composition.adapters.enrollmentStore.save(enrollment, 0);
  return { ...user, userGuid: found.objectGuid, phone, mail: found.mail };
}

function accountJob(kind: 'reset' | 'unlock', user: Enrolled, jobId: string = randomUUID()): DirectoryJob {
  return { kind, jobId, requestedAt: new Date().toISOString(), userGuid: user.userGuid, channel: 'sms' };
}

const smsTo = (blink: LocalBlink, phone: string) =>
  blink
    .listSms()
    .filter((sms) => sms.to === phone)
    .map((sms) => sms.body);

function waitForSms(blink: LocalBlink, phone: string, count: number, timeoutMs = 30_000): Promise<string[]> {
  return pollUntil(
    async () => {
      const bodies = smsTo(blink, phone);
      return bodies.length >= count ? bodies : undefined;
    },
    { timeoutMs, description: `${count} SMS to ${phone}` },
  );
}

async function auditOf(blink: LocalBlink, userGuid: string, action: string) {
  return (await blink.composition.adapters.auditLog.listForUser(userGuid, 50)).filter(
    (event) => event.action === action,
  );
}

function waitForAudit(blink: LocalBlink, userGuid: string, action: string) {
  return pollUntil(
    async () => {
      const events = await auditOf(blink, userGuid, action);
      return events.length > 0 ? events : undefined;
    },
    { timeoutMs: 30_000, description: `audit ${action} of ${userGuid}` },
  );
}

async function passwordAttributes(dn: string): Promise<{ pwdLastSet: string; whenChanged: string }> {
  const { searchEntries } = await asAdmin((client) =>
    client.search(dn, { scope: 'base', attributes: ['pwdLastSet', 'whenChanged'] }),
  );
  const entry = searchEntries[0];
  return { pwdLastSet: String(entry?.['pwdLastSet'] ?? ''), whenChanged: String(entry?.['whenChanged'] ?? '') };
}

/** Passwords seen in a test (sent, or tried against AD): none of them may appear in any log line. */
const seenPasswords: string[] = [];
let logs: LogCapture | undefined;

beforeEach(() => {
  seenPasswords.length = 0;
  logs = captureLogs();
});

afterEach(() => {
  const captured = logs?.text() ?? '';
  logs?.restore();
  logs = undefined;
  // Thrown (not expect) because expect() belongs in tests; an error here fails the test that just ran.
  if (captured.length === 0)
    throw new Error('no log lines were captured: the password check below would prove nothing');
  const leaked = seenPasswords.filter((password) => captured.includes(password));
  if (leaked.length > 0) throw new Error(`${leaked.length} password(s) appeared in the logs`);
});

function passwordIn(body: string | undefined): string {
  const password = PASSWORD_SMS.exec(body ?? '')?.[1];
  if (!password) throw new Error(`no password in ${body}`);
  seenPasswords.push(password);
  return password;
}

describe('reset and unlock jobs against Samba (force-change on, the default)', () => {
  let blink: LocalBlink;
  const groupsToRemove: string[] = [];

  beforeAll(async () => {
    blink = await startLocalBlink({
      env: { BLINK_VERSION: 'test' },
      port: 0,
      lockoutScanIntervalSeconds: 3600,
      // Short, so that a duplicate delivery sent back to the queue returns within the test.
      queue: { visibilityTimeoutSeconds: 2, maxReceiveCount: 5 },
      directory: realDirectory(samba.urls.join(',')),
    });
  });

  afterAll(async () => {
    for (const groupDn of groupsToRemove) {
      await asAdmin(async (client) => {
        await client.modify(samba.fixtures.groups.tier0Operators.dn, [
          new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [groupDn] }) }),
        ]);
        await client.del(groupDn);
      }).catch(() => undefined);
    }
    await blink?.stop();
  });

  it('texting RESET, then the code of the reply, gets a new password by SMS that AD accepted (must change at sign-in), an email notice, an audit event', async () => {
    const user = await enroll(blink, await createTestUser('rstsms'));
    expect((await text(blink, user.phone, 'RESET')).status).toBe(202);
    // Confirmation is on by default: first a code, and the password is unchanged until it comes back.
    const [confirmation] = await waitForSms(blink, user.phone, 1);
    const code = /reply with (\d{6}) within 5 minutes/.exec(confirmation ?? '')?.[1];
    expect(code).toMatch(/^\d{6}$/);
    await expect(tryBind(user.dn, user.password)).resolves.toBe('ok');
    expect((await text(blink, user.phone, code ?? '')).status).toBe(202);

    const body = (await waitForSms(blink, user.phone, 2))[1];
    const password = passwordIn(body);
    expect(body).toBe(
      `Blink: your new Windows password is ${password} — you will be asked to change it when you sign in.`,
    );
    expect(password).toMatch(/^([A-HJ-NP-Za-km-z2-9]{4}-){2,}[A-HJ-NP-Za-km-z2-9]{4}$/);
    expect(password.length).toBeGreaterThanOrEqual(12);
    // Accepted by AD with pwdLastSet=0: the bind answers "must change password" (773), the old password is gone (52e).
    await expect(tryBind(user.dn, password)).resolves.toBe('773');
    await expect(tryBind(user.dn, user.password)).resolves.toBe('52e');

    const [resetEvent] = await waitForAudit(blink, user.userGuid, 'reset');
    expect(resetEvent).toMatchObject({ channel: 'sms', result: 'success', userGuid: user.userGuid });
    expect(await auditOf(blink, user.userGuid, 'reset-requested')).toHaveLength(1);

    const emails = await pollUntil(
      async () => {
        const sent = (await blink.listEmails()).filter((email) => email.to === user.mail);
        return sent.length > 0 ? sent : undefined;
      },
      { timeoutMs: 10_000, description: 'the reset notice' },
    );
    expect(emails).toHaveLength(1);
    expect(emails[0]?.subject).toBe('Blink: your Windows password was reset');
    expect(emails[0]?.text).toContain('If this was not you, contact your IT service desk');
    expect(`${emails[0]?.text}${emails[0]?.html}`).not.toContain(password);
  });

  it('a STOP that reaches the carrier between the AD write and the password SMS: the email says the password was reset but not texted', async () => {
    const user = await enroll(blink, await createTestUser('rststp'));
    // Opted out at the carrier (End User Messaging) only: Blink's own list learns it when the send is refused.
    blink.smsStandIn.optOut(user.phone);
    await blink.composition.adapters.jobQueue.enqueue(accountJob('reset', user));

    const [notice] = await waitForAudit(blink, user.userGuid, 'password-not-texted-notice');
    expect(notice).toMatchObject({ result: 'success', reason: 'opted-out', channel: 'system' });
    expect((await waitForAudit(blink, user.userGuid, 'reset'))[0]).toMatchObject({
      result: 'failed',
      reason: 'opted-out',
    });
    // AD took the new password (the old one is gone), no SMS was sent, and the user knows what to do.
    await expect(tryBind(user.dn, user.password)).resolves.toBe('52e');
    expect(smsTo(blink, user.phone)).toEqual([]);
    expect(await blink.composition.adapters.optOutList.isOptedOut(user.phone)).toBe(true);
    const emails = (await blink.listEmails()).filter((email) => email.to === user.mail);
    expect(emails.map((email) => email.subject)).toEqual([
      'Blink: your Windows password was reset but could not be texted to you',
    ]);
    expect(emails[0]?.text).toContain(
      'text START to the Blink number, then text RESET, or contact your IT service desk',
    );
    expect(emails[0]?.text).not.toMatch(/[A-HJ-NP-Za-km-z2-9]{4}-[A-HJ-NP-Za-km-z2-9]{4}-/);
  });

  it('unlock clears a real lockout; asked again, it answers that the account is not locked, without a write', async () => {
    const user = await enroll(blink, await createTestUser('rstunl'));
    await lockOut(user);
    await expect(tryBind(user.dn, user.password)).resolves.toBe('775');

    await blink.composition.adapters.jobQueue.enqueue(accountJob('unlock', user));
    expect(await waitForSms(blink, user.phone, 1)).toEqual(['Blink: your Windows account is unlocked.']);
    await expect(tryBind(user.dn, user.password)).resolves.toBe('ok');
    expect((await waitForAudit(blink, user.userGuid, 'unlock'))[0]).toMatchObject({ result: 'success' });

    const before = await passwordAttributes(user.dn);
    await blink.composition.adapters.jobQueue.enqueue(accountJob('unlock', user));
    expect((await waitForSms(blink, user.phone, 2))[1]).toBe('Blink: your account is not locked.');
    expect(await passwordAttributes(user.dn)).toEqual(before);
    const emails = (await blink.listEmails()).filter((email) => email.to === user.mail);
    expect(emails.map((email) => email.subject)).toEqual(['Blink: your Windows account was unlocked']);
  });

  it('refuses protected (adminCount=1, nested Domain Admins) and disabled accounts: no LDAP write, the refusal SMS, an audit event', async () => {
    const adminCount = await enroll(blink, await createTestUser('rstadm', { adminCount: '1' }));
    const disabled = await enroll(blink, await createTestUser('rstdis', { userAccountControl: '514' }));
    // Nested: user ∈ a group of its own ∈ Tier0 Operators ∈ Domain Admins.
    const nested = await enroll(blink, await createTestUser('rstnst'));
    const groupDn = `CN=rstgrp-${randomUUID().slice(0, 8)},${samba.fixtures.ous.tests}`;
    await asAdmin(async (client) => {
      await client.add(groupDn, [
        new Attribute({ type: 'objectClass', values: ['top', 'group'] }),
        new Attribute({ type: 'member', values: [nested.dn] }),
      ]);
      await client.modify(samba.fixtures.groups.tier0Operators.dn, [
        new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [groupDn] }) }),
      ]);
    });
    groupsToRemove.push(groupDn);
    await lockOut(nested);

    const accounts = [adminCount, disabled, nested];
    const before = await Promise.all(accounts.map((account) => passwordAttributes(account.dn)));
    for (const account of accounts) await blink.composition.adapters.jobQueue.enqueue(accountJob('reset', account));
    await blink.composition.adapters.jobQueue.enqueue(accountJob('unlock', nested));

    for (const account of [adminCount, disabled])
      expect(await waitForSms(blink, account.phone, 1)).toEqual([REFUSED_RESET]);
    expect((await waitForSms(blink, nested.phone, 2)).sort()).toEqual(
      ['Blink: we could not unlock your account. Contact your IT service desk.', REFUSED_RESET].sort(),
    );
    await jobQueueDrained(blink, 30_000);

    // Nothing was written: the same pwdLastSet and whenChanged, the old passwords still work, the nested user still locked.
    expect(await Promise.all(accounts.map((account) => passwordAttributes(account.dn)))).toEqual(before);
    await expect(tryBind(adminCount.dn, adminCount.password)).resolves.toBe('ok');
    await expect(tryBind(disabled.dn, disabled.password)).resolves.toBe('533');
    await expect(tryBind(nested.dn, nested.password)).resolves.toBe('775');

    expect(await auditOf(blink, adminCount.userGuid, 'reset')).toMatchObject([
      { result: 'refused', reason: 'protected' },
    ]);
    expect(await auditOf(blink, disabled.userGuid, 'reset')).toMatchObject([{ result: 'refused', reason: 'disabled' }]);
    expect(await auditOf(blink, nested.userGuid, 'unlock')).toMatchObject([{ result: 'refused', reason: 'protected' }]);
    expect((await blink.listEmails()).filter((email) => accounts.some((account) => account.mail === email.to))).toEqual(
      [],
    );
  });

  it('when AD rejects every new password (0000052D), tries the configured number of times, then refuses: no password SMS', async () => {
    const user = await enroll(blink, await createTestUser('rstrej'));
    const before = await passwordAttributes(user.dn);
    // Samba accepts every password the generator makes (it checks length and complexity only on an admin reset, and
    // they always pass), so the real directory is handed a value it must refuse: a truncated one. AD's answer is real.
    const real = blink.composition.adapters.directory;
    const rejected: string[] = [];
    const refusingDirectory: Directory = Object.assign(Object.create(real) as Directory, {
      resetPassword: (...[account, password, options]: Parameters<Directory['resetPassword']>) => {
        rejected.push(password);
        seenPasswords.push(password);
        return real.resetPassword(account, password.slice(0, 3), options);
      },
    });
    const refusals: RefusalReason[] = [];
    const documentClient = createDocumentClient(localTarget(blink.services.dynamodb));
    const jobs = createAccountJobs({
      ...blink.composition.adapters,
      directory: refusingDirectory,
      jobLedger: new DynamoJobLedger(documentClient, { tableName: 'blink-local' }),
      logger: new Logger({ serviceName: 'reset-test' }),
      onRefused: (reason) => void refusals.push(reason),
      // The runtime's own settings (force-change on, 3 retries…), read as the Lambda reads them.
      settings: resetSettingsFrom(blink.composition.env, FUNCTION_TIMEOUT_SECONDS['directory-worker']),
    });
    const job = accountJob('reset', user) as Extract<DirectoryJob, { kind: 'reset' }>;
    await jobs.reset(job, { receiveCount: 1 });

    expect(rejected).toHaveLength(4);
    expect(new Set(rejected).size).toBe(4);
    expect(smsTo(blink, user.phone)).toEqual([REFUSED_RESET]);
    expect(refusals).toEqual(['password-rejected']);
    expect(await auditOf(blink, user.userGuid, 'reset')).toMatchObject([
      { result: 'refused', reason: 'password-rejected', requestId: job.jobId },
    ]);
    expect(await passwordAttributes(user.dn)).toEqual(before);
    await expect(tryBind(user.dn, user.password)).resolves.toBe('ok');
    documentClient.destroy();
  });

  it('does a job delivered twice once, whether the deliveries come one after the other or at the same time', async () => {
    const sequential = await enroll(blink, await createTestUser('rstdup'));
    const concurrent = await enroll(blink, await createTestUser('rstcon'));
    const sequentialJob = accountJob('reset', sequential);
    await blink.composition.adapters.jobQueue.enqueue(sequentialJob);
    await waitForAudit(blink, sequential.userGuid, 'reset');
    await blink.composition.adapters.jobQueue.enqueue(sequentialJob);

    const concurrentJob = accountJob('reset', concurrent);
    await Promise.all([
      blink.composition.adapters.jobQueue.enqueue(concurrentJob),
      blink.composition.adapters.jobQueue.enqueue(concurrentJob),
    ]);
    await jobQueueDrained(blink, 30_000);

    for (const user of [sequential, concurrent]) {
      const bodies = smsTo(blink, user.phone);
      expect(bodies).toHaveLength(1);
      // One AD write: the password of the one SMS is the one AD holds.
      await expect(tryBind(user.dn, passwordIn(bodies[0]))).resolves.toBe('773');
      expect(await auditOf(blink, user.userGuid, 'reset')).toHaveLength(1);
      expect((await blink.listEmails()).filter((email) => email.to === user.mail)).toHaveLength(1);
    }
    expect(await queueDepth(blink, blink.queue.deadLetterQueueUrl)).toBe(0);
  });
});

describe('reset jobs when the directory does not answer (force-change off, DCs behind a gate)', () => {
  let blink: LocalBlink;
  let gate: DirectoryGate;
  const MAX_RECEIVES = 3;

  beforeAll(async () => {
    gate = await startGate(sambaPort);
    // The first DC refuses connections: every job also shows that the worker fails over to the second.
    const deadDc = `ldaps://127.0.0.1:${await closedPort()}`;
    blink = await startLocalBlink({
      env: { BLINK_VERSION: 'test', RESET_FORCE_CHANGE: 'false' },
      port: 0,
      lockoutScanIntervalSeconds: 3600,
      queue: { visibilityTimeoutSeconds: 1, maxReceiveCount: MAX_RECEIVES },
      directory: realDirectory(`${deadDc},ldaps://127.0.0.1:${gate.port}`),
    });
  });

  afterAll(async () => {
    await blink?.stop();
    await gate?.close();
  });

  it('without force-change the new password binds at once (through the second DC)', async () => {
    const user = await enroll(blink, await createTestUser('rstnfc'));
    await blink.composition.adapters.jobQueue.enqueue(accountJob('reset', user));
    const [body] = await waitForSms(blink, user.phone, 1);
    const password = passwordIn(body);
    expect(body).toBe(`Blink: your new Windows password is ${password}`);
    await expect(tryBind(user.dn, password)).resolves.toBe('ok');
    await expect(tryBind(user.dn, user.password)).resolves.toBe('52e');
  });

  it('retries while no DC answers, tells the user on the last delivery, and dead-letters the job: no password SMS', async () => {
    const user = await enroll(blink, await createTestUser('rstdwn'));
    const before = await passwordAttributes(user.dn);
    const deadLettersBefore = await queueDepth(blink, blink.queue.deadLetterQueueUrl);
    const job = accountJob('reset', user);
    gate.down();
    try {
      await blink.composition.adapters.jobQueue.enqueue(job);
      await pollUntil(
        async () => ((await queueDepth(blink, blink.queue.deadLetterQueueUrl)) > deadLettersBefore ? true : undefined),
        {
          timeoutMs: 45_000,
          description: 'the job in the dead-letter queue',
        },
      );
    } finally {
      gate.up();
    }

    expect(smsTo(blink, user.phone)).toEqual([
      'Blink: we could not reach your company directory; your password was not changed. Try again later.',
    ]);
    const failures = (logs?.lines() ?? []).filter((line) => line.message === 'job failed' && line.jobId === job.jobId);
    expect(failures).toHaveLength(MAX_RECEIVES);
    expect(await auditOf(blink, user.userGuid, 'reset')).toMatchObject([
      { result: 'failed', reason: 'directory-unavailable' },
    ]);
    expect(await passwordAttributes(user.dn)).toEqual(before);
    await expect(tryBind(user.dn, user.password)).resolves.toBe('ok');
  });

  it('recovers: a job that failed once because no DC answered succeeds on a later delivery', async () => {
    const user = await enroll(blink, await createTestUser('rstrec'));
    const job = accountJob('reset', user);
    gate.down();
    try {
      await blink.composition.adapters.jobQueue.enqueue(job);
      await pollUntil(
        async () =>
          (logs?.lines() ?? []).some((line) => line.message === 'job failed' && line.jobId === job.jobId)
            ? true
            : undefined,
        { timeoutMs: 20_000, description: 'the first delivery to fail' },
      );
    } finally {
      gate.up();
    }
    const [body] = await waitForSms(blink, user.phone, 1);
    await expect(tryBind(user.dn, passwordIn(body))).resolves.toBe('ok');
    const started = (logs?.lines() ?? []).filter((line) => line.message === 'job started' && line.jobId === job.jobId);
    expect(started.length).toBeGreaterThanOrEqual(2);
    expect(await auditOf(blink, user.userGuid, 'reset')).toMatchObject([{ result: 'success' }]);
  });
});
