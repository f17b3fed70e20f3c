import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { Attribute } from 'ldapts';
import { startLocalBlink, type LocalBlink } from '../../local/runtime.js';
import { LdapDirectory } from '../../shared/adapters/ldap/ldap-directory.js';
import { ATTID_UNICODE_PWD, attributeStateFromBlob } from '../../shared/adapters/ldap/replication-metadata.js';
import type { DirectoryJob } from '../../shared/domain/directory-job.js';
import { DirectoryUnavailableError } from '../../shared/domain/errors.js';
import type { DirectoryUser } from '../../shared/ports/directory.js';
import { captureLogs, type LogCapture } from '../support/capture-logs.js';
import { activeEnrollment } from '../support/enrollments.js';
import { pollUntil } from '../support/poll.js';
import { queueDepth } from '../integration/support/queue.js';
import {
  asAdmin,
  getSambaConnection,
  localDirectorySettings,
  lockOut,
  replicateNow,
  sambaHarness,
  testPassword,
  tryBind,
  twoSambaDcs,
  type SambaDc,
} from '../integration/support/samba.js';

/**
 * Issue 13 §2, the chaos test: 1,000 reset and unlock jobs (one per user) go through the real job queue (fauxqs, real
 * visibility timeouts and redrive), the real directory worker handler and use cases, DynamoDB (dynalite) and the SMS
 * and email stand-ins, against the two-DC Samba domain. Partway, as the worker starts a write, the PDC emulator's Samba
 * (dc1) is killed (SIGKILL to its process group, by the PID the harness recorded), so writes are cut mid-flight; after
 * more jobs were done on dc2 it is started again. Then every job is accounted for, from what can be observed outside
 * the worker: the audit trail, the dead-letter queue, the SMS outbox, Samba's replication metadata and binds on both
 * DCs, and the captured logs. The counts are printed and asserted. With dc2 up throughout, a job lands in the DLQ only
 * if something is wrong; if one does, the user must have been told and the DLQ alarm's metric must show it.
 *
 * The worker's write log is a recording wrapper around LdapDirectory's two writes (calling through, changing nothing):
 * it says which DC acknowledged each write, which writes lost their answer in the kill, and every generated password
 * (for the log scan), which no other observer sees.
 */

const RESET_USERS = 500;
const UNLOCK_USERS = 500;
const JOBS = RESET_USERS + UNLOCK_USERS;
/** dc1 is killed as a write starts once this many were acknowledged, and started again after this many more. */
const KILL_AFTER_WRITES = 300;
const RESTART_AFTER_MORE_WRITES = 250;
const PASSWORD_SMS = /your new Windows password is (\S+)/;
/** The counts that must come out 0 (printed with the others). */
const MUST_BE_ZERO = [
  'lost',
  'endedTwice',
  'refusedOrFailed',
  'cutJobsNotRedone',
  'writesRefused',
  'duplicateAdWrites',
  'duplicateSms',
  'usersNotAnswered',
  'passwordSmsWithoutAdWrite',
  'unlockSmsStillLocked',
  'secretsInLogs',
] as const;
type MustBeZero = (typeof MUST_BE_ZERO)[number];

interface ChaosUser {
  kind: 'reset' | 'unlock';
  samAccountName: string;
  dn: string;
  password: string;
  phone: string;
  userGuid: string;
  jobId: string;
}

interface WriteRecord {
  dn: string;
  kind: 'reset' | 'unlock';
  /** acknowledged: AD answered success; unanswered: the DC went away before answering (it may or may not have it). */
  outcome: 'acknowledged' | 'unanswered' | 'refused';
  dc?: string;
  password?: string;
}

const [dc1, dc2] = twoSambaDcs();
const samba = getSambaConnection();
const ouDn = `OU=Chaos ${randomBytes(3).toString('hex')},${samba.baseDn}`;
const users: ChaosUser[] = [];
const writeLog: WriteRecord[] = [];
let blink: LocalBlink | undefined;
let logs: LogCapture | undefined;

/** Runs `action` on every item, at most `limit` at a time. */
async function eachInParallel<T>(items: T[], limit: number, action: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next] as T;
        next += 1;
        await action(item);
      }
    }),
  );
}

/** Entries below the chaos OU on one DC: DN (lower case) → the attributes asked for. */
async function entriesOn(dc: SambaDc, filter: string, attributes: string[]) {
  return asAdmin(async (client) => {
    const { searchEntries } = await client.search(ouDn, {
      scope: 'one',
      filter,
      attributes,
      explicitBufferAttributes: ['replPropertyMetaData'],
      paged: { pageSize: 500 },
    });
    return new Map(searchEntries.map((entry) => [entry.dn.toLowerCase(), entry]));
  }, dc.url);
}

/** unicodePwd's replication version per user on one DC (Samba keeps it in replPropertyMetaData). */
async function passwordVersionsOn(dc: SambaDc): Promise<Map<string, number>> {
  const entries = await entriesOn(dc, '(objectClass=user)', ['replPropertyMetaData']);
  const versions = new Map<string, number>();
  for (const [dn, entry] of entries) {
    const raw = entry['replPropertyMetaData'];
    const blob = Array.isArray(raw) ? raw[0] : raw;
    const version = Buffer.isBuffer(blob) ? attributeStateFromBlob(blob, ATTID_UNICODE_PWD)?.version : undefined;
    if (version !== undefined) versions.set(dn, version);
  }
  return versions;
}

async function countOn(dc: SambaDc, filter: string): Promise<number> {
  return (await entriesOn(dc, filter, ['1.1'])).size;
}

/**
 * Polls until `probe` holds on dc2; after `nudgeAfterMs` asks dc2 to pull from dc1 once (Samba's change notification
 * has been late on a loaded machine), then waits again. Set-up and settling, not what the test proves.
 */
async function untilOnDc2(probe: () => Promise<boolean>, description: string, nudgeAfterMs = 60_000): Promise<void> {
  const holds = async () => ((await probe()) ? true : undefined);
  try {
    await pollUntil(holds, { timeoutMs: nudgeAfterMs, intervalMs: 1000, description });
  } catch {
    console.log(`${description}: not there after ${nudgeAfterMs} ms, asking dc2 to pull from dc1`);
    replicateNow(dc2, dc1);
    await pollUntil(holds, { timeoutMs: 60_000, intervalMs: 1000, description: `${description} after a pull` });
  }
}

function pidOf(dc: SambaDc): number {
  const pid = Number(/running pid (\d+)/.exec(sambaHarness(['status', dc.dcDir]))?.[1]);
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`no running Samba for ${dc.dcDir}`);
  return pid;
}

function running(dc: SambaDc): boolean {
  try {
    sambaHarness(['status', dc.dcDir]);
    return true;
  } catch {
    return false;
  }
}

/** Records every write the worker's directory makes, calling through (see the file comment). */
function recordDirectoryWrites(beforeWrite: () => void): () => void {
  const reset = LdapDirectory.prototype.resetPassword;
  const unlock = LdapDirectory.prototype.unlock;
  const outcomeOf = (error: unknown) => (error instanceof DirectoryUnavailableError ? 'unanswered' : 'refused');
  const spies = [
    jest.spyOn(LdapDirectory.prototype, 'resetPassword').mockImplementation(async function (
      this: LdapDirectory,
      user,
      password,
      options,
    ) {
      beforeWrite();
      try {
        const write = await reset.call(this, user, password, options);
        writeLog.push({ dn: user.dn, kind: 'reset', outcome: 'acknowledged', dc: write.dc, password });
        return write;
      } catch (error) {
        writeLog.push({ dn: user.dn, kind: 'reset', outcome: outcomeOf(error), password });
        throw error;
      }
    }),
    jest.spyOn(LdapDirectory.prototype, 'unlock').mockImplementation(async function (
      this: LdapDirectory,
      user: DirectoryUser,
    ) {
      beforeWrite();
      try {
        const write = await unlock.call(this, user);
        writeLog.push({ dn: user.dn, kind: 'unlock', outcome: 'acknowledged', dc: write.dc });
        return write;
      } catch (error) {
        writeLog.push({ dn: user.dn, kind: 'unlock', outcome: outcomeOf(error) });
        throw error;
      }
    }),
  ];
  return () => spies.forEach((spy) => spy.mockRestore());
}

let stopRecording: (() => void) | undefined;

beforeAll(async () => {
  const setUpStarted = Date.now();
  const steps: string[] = [];
  const step = (what: string) => steps.push(`${what} ${((Date.now() - setUpStarted) / 1000).toFixed(1)} s`);
  await asAdmin((client) =>
    client.add(ouDn, [new Attribute({ type: 'objectClass', values: ['top', 'organizationalUnit'] })]),
  );

  // The users, on dc1 over LDAPS, a few connections at a time (about 20 ms an add).
  const prefix = randomBytes(2).toString('hex');
  const planned = Array.from({ length: JOBS }, (_, index) => {
    const samAccountName = `cx${prefix}-${String(index).padStart(4, '0')}`;
    return {
      kind: index % 2 === 0 ? ('reset' as const) : ('unlock' as const),
      samAccountName,
      dn: `CN=${samAccountName},${ouDn}`,
      password: testPassword(),
      phone: `+1206555${String(index).padStart(4, '0')}`,
    };
  });
  const chunks = Array.from({ length: 8 }, (_, worker) => planned.filter((_, index) => index % 8 === worker));
  await Promise.all(
    chunks.map((chunk) =>
      asAdmin(async (client) => {
        for (const user of chunk) {
          await client.add(user.dn, [
            new Attribute({ type: 'objectClass', values: ['top', 'person', 'organizationalPerson', 'user'] }),
            new Attribute({ type: 'sAMAccountName', values: [user.samAccountName] }),
            new Attribute({ type: 'mail', values: [`${user.samAccountName}@corp.example.test`] }),
            new Attribute({ type: 'userAccountControl', values: ['512'] }),
            new Attribute({ type: 'unicodePwd', values: [Buffer.from(`"${user.password}"`, 'utf16le')] }),
          ]);
        }
      }),
    ),
  );
  step('added');
  const unlockUsers = planned.filter((user) => user.kind === 'unlock');
  const lockAll = async () => {
    // Real lockouts: wrong passwords on dc1 until it answers "locked" (775).
    await eachInParallel(unlockUsers, 8, async (user) => void (await lockOut(user, 10, dc1.url)));
    step('locked');
    // dc2 must know every user and every lockout before the jobs start: after the kill it is the only DC.
    await untilOnDc2(async () => (await countOn(dc2, '(objectClass=user)')) === JOBS, `the ${JOBS} users on dc2`);
    await untilOnDc2(
      async () => (await countOn(dc2, '(lockoutTime>=1)')) === UNLOCK_USERS,
      `the ${UNLOCK_USERS} lockouts on dc2`,
    );
    step('on dc2');
  };
  const startAndEnroll = async () => {
    const runtime = await startLocalBlink({
      // REPLICATION_CONFIRM_SECONDS=1: the confirmation runs (and sees dc1 gone), without ten seconds per reset.
      env: { BLINK_VERSION: 'chaos', REPLICATION_CONFIRM_SECONDS: '1' },
      port: 0,
      lockoutScanIntervalSeconds: 3600,
      // The local default (30 s): a job cut by the kill comes back after it. Shorter, a slow delivery on a loaded
      // machine would come back while still running, which cannot happen deployed (six times the worker's timeout).
      queue: { visibilityTimeoutSeconds: 30, maxReceiveCount: 5 },
      directory: localDirectorySettings(`${dc1.url},${dc2.url}`),
    });
    blink = runtime;
    const found = new Map(
      (await runtime.composition.adapters.directory.listUsersInOu(ouDn)).map((user) => [user.dn.toLowerCase(), user]),
    );
    await eachInParallel(planned, 10, async (user) => {
      const account = found.get(user.dn.toLowerCase());
      if (!account?.mail) throw new Error(`${user.samAccountName} not found`);
      const { objectGuid: userGuid, samAccountName, mail } = account;
      await runtime.composition.adapters.enrollmentStore.save(
        activeEnrollment({ userGuid, dn: account.dn, samAccountName, mail }, { phoneE164: user.phone }),
        0,
      );
      users.push({ ...user, userGuid, jobId: randomUUID() });
    });
    step('enrolled');
  };
  await Promise.all([lockAll(), startAndEnroll()]);
  console.log(`chaos set-up: ${JOBS} users (${UNLOCK_USERS} locked) on both DCs, enrolled: ${steps.join(', ')}`);
}, 15 * 60_000);

afterAll(async () => {
  stopRecording?.();
  logs?.restore();
  await blink?.stop();
  // Whatever happened, dc1 runs again for the teardown and the users are gone.
  if (!running(dc1)) sambaHarness(['start', dc1.dcDir]);
  await asAdmin(async (client) => {
    const { searchEntries } = await client.search(ouDn, { scope: 'one', attributes: ['1.1'], paged: true });
    await eachInParallel(searchEntries, 4, async (entry) => void (await client.del(entry.dn).catch(() => undefined)));
    await client.del(ouDn).catch(() => undefined);
  }).catch((error: unknown) => console.log(`removing the chaos users failed: ${String(error)}`));
}, 5 * 60_000);

test('1,000 reset and unlock jobs while the PDC emulator is killed and restarted: each ends exactly once, nothing lost, duplicated or leaked', async () => {
  if (!blink) throw new Error('the local runtime did not start');
  const runtime = blink;
  const before = await passwordVersionsOn(dc1);
  const timeline: string[] = [];
  const started = Date.now();
  const mark = (what: string) => timeline.push(`${((Date.now() - started) / 1000).toFixed(1)} s ${what}`);
  const acknowledged = () => writeLog.filter((write) => write.outcome === 'acknowledged').length;
  // dc1 dies as the worker starts a write once enough were done: that write (and any other in flight) is cut, as when
  // a DC crashes under load. SIGKILL to its process group, by the PID the harness recorded.
  const pid = pidOf(dc1);
  let killed = false;
  stopRecording = recordDirectoryWrites(() => {
    if (killed || acknowledged() < KILL_AFTER_WRITES) return;
    killed = true;
    process.kill(-pid, 'SIGKILL');
    mark(
      `dc1 (the PDC emulator) killed: SIGKILL to process group ${pid} as a write started, after ${acknowledged()} acknowledged writes`,
    );
  });
  logs = captureLogs();

  // Interleaved resets and unlocks, as the SMS and app requests of a working day would queue them.
  await eachInParallel(users, 20, async (user) => {
    const job: DirectoryJob = {
      kind: user.kind,
      jobId: user.jobId,
      requestedAt: new Date().toISOString(),
      userGuid: user.userGuid,
      channel: 'sms',
    };
    await runtime.composition.adapters.jobQueue.enqueue(job);
  });
  mark('1,000 jobs queued');

  await pollUntil(async () => (killed ? true : undefined), {
    timeoutMs: 5 * 60_000,
    intervalMs: 100,
    description: `${KILL_AFTER_WRITES} acknowledged writes and the kill`,
  });
  await pollUntil(async () => (running(dc1) ? undefined : true), { timeoutMs: 10_000, description: 'dc1 gone' });

  const atKill = acknowledged();
  await pollUntil(async () => (acknowledged() >= atKill + RESTART_AFTER_MORE_WRITES ? true : undefined), {
    timeoutMs: 5 * 60_000,
    intervalMs: 100,
    description: `${RESTART_AFTER_MORE_WRITES} writes on dc2 while dc1 is down`,
  });
  sambaHarness(['start', dc1.dcDir]);
  mark(`dc1 started again after ${acknowledged()} writes`);

  // Every job ends: the queue is empty (done jobs are deleted; failed ones come back until the DLQ takes them).
  await pollUntil(async () => ((await queueDepth(runtime, runtime.queue.queueUrl)) === 0 ? true : undefined), {
    timeoutMs: 10 * 60_000,
    intervalMs: 500,
    description: 'the job queue to drain',
  });
  mark('queue drained');
  const captured = logs.text();
  const lines = logs.lines();
  logs.restore();
  logs = undefined;
  stopRecording();
  stopRecording = undefined;

  // The domain settles: both DCs hold the same password version for every user and the same lockouts.
  const resetUsers = users.filter((user) => user.kind === 'reset');
  const converged = async () => {
    const [onDc1, onDc2] = await Promise.all([passwordVersionsOn(dc1), passwordVersionsOn(dc2)]);
    const [lockedOnDc1, lockedOnDc2] = await Promise.all(
      [dc1, dc2].map((dc) => entriesOn(dc, '(lockoutTime>=1)', ['1.1'])),
    );
    const same = resetUsers.every((user) => onDc1.get(user.dn.toLowerCase()) === onDc2.get(user.dn.toLowerCase()));
    const sameLockouts =
      [...(lockedOnDc1?.keys() ?? [])].every((dn) => lockedOnDc2?.has(dn)) && lockedOnDc1?.size === lockedOnDc2?.size;
    return same && sameLockouts ? onDc1 : undefined;
  };
  const after = await pollUntil(converged, { timeoutMs: 60_000, intervalMs: 2000, description: 'convergence' }).catch(
    async () => {
      console.log('the DCs had not converged within 60 s: asking each to pull from the other');
      replicateNow(dc1, dc2);
      replicateNow(dc2, dc1);
      return pollUntil(converged, { timeoutMs: 60_000, intervalMs: 2000, description: 'convergence after pulls' });
    },
  );
  mark('both DCs converged');

  // Where each job ended.
  const deadLettered = new Set<string>();
  for (
    let round = 0;
    round < 20 && deadLettered.size < (await queueDepth(runtime, runtime.queue.deadLetterQueueUrl));
    round += 1
  ) {
    const { Messages = [] } = await runtime.composition.sqsClient.send(
      new ReceiveMessageCommand({
        QueueUrl: runtime.queue.deadLetterQueueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 60,
      }),
    );
    for (const message of Messages)
      deadLettered.add((JSON.parse(message.Body ?? '{}') as { jobId?: string }).jobId ?? '');
  }
  const dlqDepth = await queueDepth(runtime, runtime.queue.deadLetterQueueUrl);
  const sms = runtime.listSms();
  const smsByPhone = new Map<string, string[]>();
  for (const message of sms) smsByPhone.set(message.to, [...(smsByPhone.get(message.to) ?? []), message.body]);
  const deliveries = new Map<string, number>();
  for (const line of lines)
    if (line.message === 'job started' && typeof line.jobId === 'string')
      deliveries.set(line.jobId, (deliveries.get(line.jobId) ?? 0) + 1);

  const noneYet = Object.fromEntries(MUST_BE_ZERO.map((name) => [name, 0])) as Record<MustBeZero, number>;
  const counts = {
    jobs: users.length,
    doneOnDc1: 0,
    doneOnDc2: 0,
    doneWithoutWrite: 0,
    retriedThenDone: 0,
    inDlq: 0,
    dlqUserTold: 0,
    dlqAlarmMetric: dlqDepth,
    writesCutByKill: writeLog.filter((write) => write.outcome === 'unanswered').length,
    ...noneYet,
  };
  counts.writesRefused = writeLog.filter((write) => write.outcome === 'refused').length;
  const texted: string[] = [];
  await eachInParallel(users, 8, async (user) => {
    const ended = (await runtime.composition.adapters.auditLog.listForUser(user.userGuid, 50)).filter(
      (event) => event.action === user.kind && event.requestId === user.jobId,
    );
    const writes = writeLog.filter((write) => write.dn === user.dn);
    const answered = writes.filter((write) => write.outcome === 'acknowledged');
    const bodies = smsByPhone.get(user.phone) ?? [];
    if (ended.length > 1) counts.endedTwice += 1;
    if (deadLettered.has(user.jobId)) {
      counts.inDlq += 1;
      if (bodies.some((body) => body.includes('we could not reach your company directory'))) counts.dlqUserTold += 1;
    } else if (ended.length === 0) {
      counts.lost += 1;
    } else if (ended[0]?.result !== 'success') {
      counts.refusedOrFailed += 1;
    } else {
      if (answered[0]?.dc === dc1.hostName) counts.doneOnDc1 += 1;
      else if (answered[0]?.dc === dc2.hostName) counts.doneOnDc2 += 1;
      else counts.doneWithoutWrite += 1;
      if ((deliveries.get(user.jobId) ?? 0) > 1) counts.retriedThenDone += 1;
    }
    // A job whose write the kill cut failed that delivery: it must have come back and been done.
    const cut = writes.filter((write) => write.outcome === 'unanswered').length;
    const redone = (deliveries.get(user.jobId) ?? 0) > 1 && ended[0]?.result === 'success' && answered.length === 1;
    if (cut > 0 && !redone) counts.cutJobsNotRedone += 1;
    if (answered.length > 1) counts.duplicateAdWrites += 1;
    if (bodies.length > 1) counts.duplicateSms += 1;
    if (bodies.length === 0) counts.usersNotAnswered += 1;
    if (user.kind === 'reset') {
      // Samba's own count: unicodePwd's version went up once per write AD took (a write whose answer the kill cut may
      // have been taken too; a conflict between two DCs keeps one version).
      const grew = (after.get(user.dn.toLowerCase()) ?? 0) - (before.get(user.dn.toLowerCase()) ?? 0);
      if (grew > answered.length + cut) counts.duplicateAdWrites += 1;
      for (const body of bodies) {
        const password = PASSWORD_SMS.exec(body)?.[1];
        if (!password) continue;
        texted.push(password);
        // Must change at next sign-in (the default): the right password answers 773, on both DCs.
        const binds = await Promise.all([dc1, dc2].map((dc) => tryBind(user.dn, password, dc.url)));
        if (binds.some((bind) => bind !== '773')) counts.passwordSmsWithoutAdWrite += 1;
      }
    } else if (bodies.some((body) => body.endsWith('your Windows account is unlocked.'))) {
      const binds = await Promise.all([dc1, dc2].map((dc) => tryBind(user.dn, user.password, dc.url)));
      if (binds.some((bind) => bind !== 'ok')) counts.unlockSmsStillLocked += 1;
    }
  });

  // No secret in any log: this process's (worker, runtime, stand-ins) and both DCs' Samba logs.
  const sambaLogs = [dc1, dc2]
    .flatMap((dc) => readdirSync(join(dc.dcDir, 'log')).map((name) => join(dc.dcDir, 'log', name)))
    .map((file) => readFileSync(file, 'latin1'))
    .join('\n');
  const secrets = new Set([...texted, ...writeLog.flatMap((write) => (write.password ? [write.password] : []))]);
  counts.secretsInLogs = [...secrets].filter(
    (secret) => captured.includes(secret) || sambaLogs.includes(secret),
  ).length;

  console.log(`chaos timeline:\n  ${timeline.join('\n  ')}\nchaos counts: ${JSON.stringify(counts, null, 2)}`);

  expect(captured.length).toBeGreaterThan(0);
  expect(secrets.size).toBeGreaterThanOrEqual(RESET_USERS);
  expect(counts.doneOnDc1).toBeGreaterThan(0);
  expect(counts.doneOnDc2).toBeGreaterThan(0);
  // The kill cut writes: their jobs came back and were done (on dc2, or on dc1 once it was back).
  expect(counts.writesCutByKill).toBeGreaterThan(0);
  expect(counts.retriedThenDone).toBeGreaterThan(0);
  expect(counts.doneOnDc1 + counts.doneOnDc2 + counts.doneWithoutWrite + counts.inDlq).toBe(JOBS);
  expect(counts.dlqUserTold).toBe(counts.inDlq);
  expect(counts.dlqAlarmMetric).toBe(counts.inDlq);
  expect(Object.fromEntries(MUST_BE_ZERO.map((name) => [name, counts[name]]))).toEqual(noneYet);
});
