/**
 * Password reset against the test Samba AD DC, on the local runtime (the same handlers, adapters and stand-ins as
 * `npm start`):
 * - end to end: an inbound RESET (POST /_local/api/sms/inbound, the inbound-SMS use case, the job queue, the worker,
 *   AD) until the SMS with the new password is handed to the SMS endpoint, one user at a time;
 * - beside it, measured in the same run, a raw ldapts reset: a fresh LDAPS connection, the bind, one modify of
 *   unicodePwd — what any tool must do at least;
 * - the worker's throughput: SQS events of 10 reset jobs handed to the worker handler, one after the other;
 * - per DC of the two-DC test domain (a runtime configured with that DC alone): the worker's throughput as above beside
 *   raw ldapts resets with the same concurrency (10 at a time, each a fresh LDAPS connection, bind and modify).
 * The DC is taken with the same lease as the integration tests (started when none runs, stopped when the last user
 * leaves); the bench's throwaway users are deleted at the end.
 */
import { randomUUID } from 'node:crypto';
import type { SQSRecord } from 'aws-lambda';
import { Attribute, Change, Client } from 'ldapts';
import { startLocalBlink, type LocalBlink } from '../../local/runtime.js';
import { createLambdaContext } from '../../local/lambda-context.js';
import type { DirectoryJob } from '../../shared/domain/directory-job.js';
import acquireSambaDc from '../../test/integration/global-setup.js';
import releaseSambaDc from '../../test/integration/global-teardown.js';
import {
  asAdmin,
  createTestUser,
  getSambaConnection,
  type SambaDc,
  type TestUser,
} from '../../test/integration/support/samba.js';
import { activeEnrollment } from '../../test/support/enrollments.js';

const users = Number(process.env.BENCH_RESET_USERS ?? 50);
const BATCH_SIZE = 10;

interface BenchUser extends TestUser {
  userGuid: string;
  phone: string;
}

export async function benchReset(): Promise<void> {
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  await acquireSambaDc();
  const created: BenchUser[] = [];
  let blink: LocalBlink | undefined;
  try {
    const samba = getSambaConnection();
    blink = await startLocalBlink({
      // Confirmation off: this measures the path from the message that starts a reset (RESET, or the code reply when
      // confirmation is on, as by default) to the password SMS; the code round trip is the user's, not Blink's.
      env: { ...process.env, BLINK_VERSION: 'bench', RESET_CONFIRMATION: 'false' },
      port: 0,
      lockoutScanIntervalSeconds: 3600,
      directory: {
        urls: samba.urls.join(','),
        baseDn: samba.baseDn,
        bindDn: samba.bindDn,
        bindPassword: samba.bindPassword,
        caFile: samba.caFile,
        startTls: false,
      },
    });
    for (let index = 0; index < users; index += 1)
      created.push(await enroll(blink, await createTestUser('bench'), index));

    // Warm-up: the first reset pays for the worker's LDAP connection and module set-up.
    await resetByInboundSms(blink, created[0] as BenchUser);

    const endToEnd: number[] = [];
    const raw: number[] = [];
    for (const user of created) {
      endToEnd.push(await resetByInboundSms(blink, user));
      raw.push(await rawLdaptsReset(user));
    }

    const batches: number[] = [];
    const throughputStarted = process.hrtime.bigint();
    for (let start = 0; start < created.length; start += BATCH_SIZE) {
      const batch = created.slice(start, start + BATCH_SIZE);
      const response = await blink.composition.handlers.directoryWorker(
        { Records: batch.map((user) => sqsRecord(resetJob(user), blink?.queue.queueArn ?? '')) },
        createLambdaContext('blink-directory-worker', 60_000),
      );
      if (response && response.batchItemFailures.length > 0)
        throw new Error(`${response.batchItemFailures.length} jobs failed in a batch`);
      batches.push(batch.length);
    }
    const throughputSeconds = Number(process.hrtime.bigint() - throughputStarted) / 1e9;
    const resets = batches.reduce((sum, size) => sum + size, 0);
    const sentPasswords = blink.listSms().filter((sms) => sms.body.includes('your new Windows password is')).length;
    if (sentPasswords !== 2 * created.length + 1)
      throw new Error(`expected ${2 * created.length + 1} password SMS, saw ${sentPasswords}`);

    const e2e = summary(endToEnd);
    const base = summary(raw);
    console.log(`\n### Password reset against Samba AD (n=${created.length} each)\n`);
    console.log('| measure | p50 ms | p99 ms |');
    console.log('|---|---:|---:|');
    console.log(
      `| end to end: inbound RESET → password SMS handed to the SMS endpoint | ${e2e.p50.toFixed(1)} | ${e2e.p99.toFixed(1)} |`,
    );
    console.log(
      `| baseline: raw ldapts reset (LDAPS connect + bind + modify unicodePwd) | ${base.p50.toFixed(1)} | ${base.p99.toFixed(1)} |`,
    );
    console.log(
      `| ratio end to end / baseline | ${(e2e.p50 / base.p50).toFixed(2)}× | ${(e2e.p99 / base.p99).toFixed(2)}× |`,
    );
    console.log(
      `\nWorker throughput: ${(resets / throughputSeconds).toFixed(1)} resets/s (${resets} reset jobs in SQS events of ${BATCH_SIZE}, ${throughputSeconds.toFixed(2)} s).`,
    );

    const perDc: DcThroughput[] = [];
    for (const dc of samba.dcs) perDc.push(await throughputOn(dc, created));
    console.log(
      `\n### Reset throughput per DC (n=${created.length} each; worker: SQS events of ${BATCH_SIZE}; raw: ${BATCH_SIZE} ldapts resets at a time)\n`,
    );
    console.log('| DC | worker resets/s | raw ldapts resets/s | ratio worker / raw |');
    console.log('|---|---:|---:|---:|');
    for (const row of perDc) {
      console.log(
        `| ${row.dc} | ${row.worker.toFixed(1)} | ${row.raw.toFixed(1)} | ${(row.worker / row.raw).toFixed(2)}× |`,
      );
    }
  } finally {
    await blink?.stop();
    for (const user of created) await asAdmin((client) => client.del(user.dn)).catch(() => undefined);
    await releaseSambaDc();
  }
}

interface DcThroughput {
  dc: string;
  worker: number;
  raw: number;
}

/**
 * Resets per second on one DC: the worker (a local runtime configured with that DC alone, so every write goes there)
 * handed SQS events of BATCH_SIZE jobs one after the other, then raw ldapts resets BATCH_SIZE at a time, same users.
 */
async function throughputOn(dc: SambaDc, users: readonly TestUser[]): Promise<DcThroughput> {
  const samba = getSambaConnection();
  const blink = await startLocalBlink({
    env: { ...process.env, BLINK_VERSION: 'bench', RESET_CONFIRMATION: 'false' },
    port: 0,
    lockoutScanIntervalSeconds: 3600,
    directory: {
      urls: dc.url,
      baseDn: samba.baseDn,
      bindDn: samba.bindDn,
      bindPassword: samba.bindPassword,
      caFile: samba.caFile,
      startTls: false,
    },
  });
  try {
    const enrolled: BenchUser[] = [];
    for (const [index, user] of users.entries()) enrolled.push(await enroll(blink, user, index));
    const handle = (batch: BenchUser[]) =>
      blink.composition.handlers.directoryWorker(
        { Records: batch.map((user) => sqsRecord(resetJob(user), blink.queue.queueArn)) },
        createLambdaContext('blink-directory-worker', 60_000),
      );
    // Warm-up: the worker's connection and the DC list.
    await handle(enrolled.slice(0, 1));
    const batches = (size: number) =>
      Array.from({ length: Math.ceil(enrolled.length / size) }, (_, index) =>
        enrolled.slice(index * size, (index + 1) * size),
      );

    const workerStarted = process.hrtime.bigint();
    for (const batch of batches(BATCH_SIZE)) {
      const response = await handle(batch);
      if (response && response.batchItemFailures.length > 0)
        throw new Error(`${response.batchItemFailures.length} jobs failed on ${dc.hostName}`);
    }
    const workerSeconds = Number(process.hrtime.bigint() - workerStarted) / 1e9;

    const rawStarted = process.hrtime.bigint();
    for (const batch of batches(BATCH_SIZE)) await Promise.all(batch.map((user) => rawLdaptsReset(user, dc.url)));
    const rawSeconds = Number(process.hrtime.bigint() - rawStarted) / 1e9;
    return { dc: dc.hostName, worker: enrolled.length / workerSeconds, raw: enrolled.length / rawSeconds };
  } finally {
    await blink.stop();
  }
}

async function enroll(blink: LocalBlink, user: TestUser, index: number): Promise<BenchUser> {
  const found = await blink.composition.adapters.directory.findUserBySamAccountName(user.samAccountName);
  if (!found) throw new Error(`${user.samAccountName} not found`);
  const phone = `+1206556${String(index).padStart(4, '0')}`;
  const { objectGuid: userGuid, dn, samAccountName, displayName, mail } = found;
  const enrollment = activeEnrollment(
    { userGuid, dn, samAccountName, ...(displayName ? { displayName } : {}), ...(mail ? { mail } : {}) },
    { phoneE164: phone },
  );
  await blink.composition.adapters.enrollmentStore.save(enrollment, 0);
  return { ...user, userGuid: found.objectGuid, phone };
}

/** Milliseconds from the inbound RESET to the password SMS reaching the SMS endpoint. */
async function resetByInboundSms(blink: LocalBlink, user: BenchUser): Promise<number> {
  const before = blink.listSms().filter((sms) => sms.to === user.phone).length;
  const started = process.hrtime.bigint();
  const response = await fetch(`${blink.url}/_local/api/sms/inbound`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from: user.phone, body: 'RESET' }),
  });
  if (response.status !== 202) throw new Error(`inbound SMS answered ${response.status}`);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const sent = blink.listSms().filter((sms) => sms.to === user.phone);
    if (sent.length > before) {
      const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (!sent.at(-1)?.body.includes('your new Windows password is'))
        throw new Error(`unexpected answer: ${sent.at(-1)?.body}`);
      return elapsedMs;
    }
    if (Date.now() > deadline) throw new Error(`no answer to ${user.samAccountName}'s RESET within 30 s`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** What a reset costs at least: a fresh verified LDAPS connection, the bind, one modify. */
async function rawLdaptsReset(user: TestUser, url?: string): Promise<number> {
  const samba = getSambaConnection();
  const password = `Bn-${randomUUID().slice(0, 12)}-Zq7`;
  const started = process.hrtime.bigint();
  const client = new Client({
    url: url ?? samba.urls[0] ?? '',
    tlsOptions: { ca: [samba.caPem] },
    connectTimeout: 3000,
    timeout: 5000,
  });
  try {
    await client.bind(samba.bindDn, samba.bindPassword);
    await client.modify(user.dn, [
      new Change({
        operation: 'replace',
        modification: new Attribute({ type: 'unicodePwd', values: [Buffer.from(`"${password}"`, 'utf16le')] }),
      }),
    ]);
  } finally {
    await client.unbind().catch(() => undefined);
  }
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function resetJob(user: BenchUser): DirectoryJob {
  return {
    kind: 'reset',
    jobId: randomUUID(),
    requestedAt: new Date().toISOString(),
    userGuid: user.userGuid,
    channel: 'sms',
  };
}

function sqsRecord(job: DirectoryJob, queueArn: string): SQSRecord {
  const now = String(Date.now());
  return {
    messageId: randomUUID(),
    receiptHandle: randomUUID(),
    body: JSON.stringify(job),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: now,
      SenderId: 'bench',
      ApproximateFirstReceiveTimestamp: now,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}

function summary(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (fraction: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99) };
}
