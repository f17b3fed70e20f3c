import { randomUUID } from 'node:crypto';
import { createDirectoryWorkerHandler } from '../../functions/directory-worker/handler.js';
import type { Device } from '../../shared/domain/device.js';
import type { Enrollment } from '../../shared/domain/enrollment.js';
import {
  AmbiguousUserError,
  ConcurrentUpdateError,
  DeliveryError,
  DirectoryOperationError,
  DirectoryUnavailableError,
  OptedOutError,
  PasswordRejectedError,
} from '../../shared/domain/errors.js';
import { testObservability } from '../support/observability.js';
import type { AuditEvent } from '../../shared/ports/audit-log.js';
import type {
  DirectoryUser,
  PasswordWrite,
  ReplicationCheck,
  ReplicationConfirmOptions,
  ResetOptions,
} from '../../shared/ports/directory.js';
import type { OutboundEmail } from '../../shared/ports/email-sender.js';
import type { JobClaim, JobLedger, JobOutcome } from '../../shared/ports/job-ledger.js';
import type { AppRequestRecipient, AppRequestResult, PasswordDelivery } from '../../shared/ports/password-delivery.js';
import type { OutboundPush } from '../../shared/ports/push-sender.js';
import type { OutboundSms } from '../../shared/ports/sms-sender.js';
import {
  createAccountJobs,
  NOT_LOCKED_REFUNDS_PER_HOUR,
  type AccountJob,
} from '../../shared/use-cases/reset/account-jobs.js';
import type { RefusalReason, ResetSettings } from '../../shared/use-cases/reset/dependencies.js';
import { accountChangedEmail } from '../../shared/use-cases/reset/messages.js';
import { captureLogsOfEachTest } from '../support/capture-logs.js';
import { lambdaContext } from '../support/lambda-context.js';
import { activeEnrollment, readOnlyEnrollmentStore } from '../support/enrollments.js';
import { domainPolicyOf, EmptyDirectory } from '../support/fake-directory.js';
import { sqsRecord } from '../../local/stand-ins/sqs-record.js';
import { silentLogger } from '../support/silent-logger.js';
import { jobHandlersWith } from '../support/job-handlers.js';

// The reset and unlock use cases against small in-memory fakes of their ports. The same behaviour is tested end to end
// against Samba and the local stand-ins in test/integration/reset-worker.test.ts; these cover the branches that a
// real directory cannot be made to take on demand (a DC failing mid-job, a carrier opt-out, a lost race).

const NOW = new Date('2026-12-01T09:00:00.000Z');
const PHONE = '+12065550123';

const policy = domainPolicyOf();

/** The accounts a reset job reads and writes, with switches for a DC that fails. */
class FakeDirectory extends EmptyDirectory {
  users = new Map<string, DirectoryUser>();
  protectedGuids = new Set<string>();
  locked = new Set<string>();
  passwords = new Map<string, string>();
  writes: Array<{ guid: string; options?: ResetOptions; kind: 'reset' | 'unlock' }> = [];
  /** Errors thrown by the next writes, in order (then writes succeed). */
  writeFailures: Error[] = [];
  /** Thrown by every call while set (a DC that does not answer). */
  down?: Error;
  /** What the other DCs answer when asked for the new password (none: a single-DC domain), or an error to throw. */
  replication: ReplicationCheck[] | Error = [];
  replicationAsked: ReplicationConfirmOptions[] = [];
  effectivePolicy = policy;

  constructor() {
    super(policy);
  }
  private check() {
    if (this.down) throw this.down;
  }
  override async findUserByGuid(guid: string) {
    this.check();
    return this.users.get(guid);
  }
  override async isProtected(user: DirectoryUser) {
    this.check();
    return this.protectedGuids.has(user.objectGuid);
  }
  override async readEffectivePolicy() {
    this.check();
    return this.effectivePolicy;
  }
  override async isLockedOut(user: DirectoryUser) {
    this.check();
    return this.locked.has(user.objectGuid);
  }
  override async resetPassword(user: DirectoryUser, password: string, options: ResetOptions) {
    this.check();
    const failure = this.writeFailures.shift();
    if (failure) throw failure;
    this.writes.push({ guid: user.objectGuid, options, kind: 'reset' });
    this.passwords.set(user.objectGuid, password);
    if (options.unlock) this.locked.delete(user.objectGuid);
    return super.resetPassword(user, password, options);
  }
  override async confirmPasswordReplication(
    _user: DirectoryUser,
    _write: PasswordWrite,
    options: ReplicationConfirmOptions,
  ) {
    this.replicationAsked.push(options);
    if (this.replication instanceof Error) throw this.replication;
    return this.replication;
  }
  override async unlock(user: DirectoryUser) {
    this.check();
    const failure = this.writeFailures.shift();
    if (failure) throw failure;
    this.writes.push({ guid: user.objectGuid, kind: 'unlock' });
    this.locked.delete(user.objectGuid);
    return super.unlock(user);
  }
}

/** The ledger's contract (shared/ports/job-ledger.ts) in memory; the DynamoDB adapter is tested against dynalite. */
class FakeLedger implements JobLedger {
  jobs = new Map<string, { state: 'running' | 'done'; leaseUntil: Date; outcome?: JobOutcome }>();
  async claim(jobId: string, now: Date, leaseUntil: Date): Promise<JobClaim> {
    const job = this.jobs.get(jobId);
    if (job?.state === 'done') return { outcome: 'done' };
    if (job && job.leaseUntil.getTime() > now.getTime()) return { outcome: 'in-progress', leaseUntil: job.leaseUntil };
    this.jobs.set(jobId, { state: 'running', leaseUntil });
    return { outcome: 'claimed' };
  }
  async complete(jobId: string, outcome: JobOutcome) {
    this.jobs.set(jobId, { state: 'done', leaseUntil: new Date(0), outcome });
  }
  async release(jobId: string) {
    const job = this.jobs.get(jobId);
    if (job?.state === 'running') job.leaseUntil = new Date(0);
  }
}

class FakePasswordDelivery implements PasswordDelivery {
  results: Array<{ recipient: AppRequestRecipient; result: AppRequestResult; password?: string }> = [];
  /** Request ids whose app stopped waiting (expired or answered). */
  noLongerAwaited = new Set<string>();
  async open() {}
  async isAwaiting(recipient: AppRequestRecipient) {
    return !this.noLongerAwaited.has(recipient.jobId);
  }
  async deliverPassword(recipient: AppRequestRecipient, password: string) {
    this.results.push({ recipient, result: { state: 'password-ready', jwe: 'jwe' }, password });
  }
  async deliverOutcome(
    recipient: AppRequestRecipient,
    outcome: Exclude<AppRequestResult, { state: 'pending' | 'password-ready' | 'gone' }>,
  ) {
    this.results.push({ recipient, result: outcome });
  }
  async take() {
    return undefined;
  }
}

function directoryUser(overrides: Partial<DirectoryUser> = {}): DirectoryUser {
  const guid = randomUUID();
  return {
    objectGuid: guid,
    dn: `CN=jane.doe,OU=Staff,DC=corp,DC=example,DC=test`,
    samAccountName: 'jane.doe',
    displayName: 'Jane Doe',
    mail: 'jane.doe@corp.example.test',
    userAccountControl: 512,
    adminCount: 0,
    accountExpires: '0',
    lockoutTime: '0',
    isComputer: false,
    ...overrides,
  };
}

function enrollmentOf(user: DirectoryUser, overrides: Partial<Enrollment> = {}): Enrollment {
  const account = {
    userGuid: user.objectGuid,
    dn: user.dn,
    samAccountName: user.samAccountName,
    displayName: user.displayName ?? user.samAccountName,
    mail: user.mail ?? '',
  };
  return { ...activeEnrollment(account, { phoneE164: PHONE, at: NOW, version: 3 }), ...overrides };
}

const settings: ResetSettings = {
  productName: 'Blink',
  supportContact: 'your IT service desk',
  forceChange: true,
  unlockOnReset: true,
  passwordMinLength: 12,
  rejectionRetries: 3,
  maxReceiveCount: 5,
  appResultTtlSeconds: 300,
  leaseSeconds: 60,
  smsFrom: '+18553917277',
  replyNumbers: ['+18553917277', '+14437477277'],
  replicationConfirmMs: 10_000,
};

function harness(overrides: Partial<ResetSettings> = {}) {
  const directory = new FakeDirectory();
  const enrollments = new Map<string, Enrollment>();
  const devices = new Map<string, Device>();
  const ledger = new FakeLedger();
  const sms: OutboundSms[] = [];
  const emails: OutboundEmail[] = [];
  const pushes: OutboundPush[] = [];
  const audit: AuditEvent[] = [];
  const refusals: RefusalReason[] = [];
  const behind: number[] = [];
  const optedOut = new Set<string>();
  const carrierOptedOut = new Set<string>();
  const smsFailures: Error[] = [];
  const passwordDelivery = new FakePasswordDelivery();
  const emailFailures: Error[] = [];
  /** Hits per key (the windows of the DynamoDB limiter are tested against dynalite), and each refund asked for. */
  const hits = new Map<string, number>();
  const refunds: Array<{ key: string; windowSeconds: number; countedAt: Date }> = [];
  const jobs = createAccountJobs({
    directory,
    enrollmentStore: readOnlyEnrollmentStore(enrollments),
    deviceStore: {
      add: async () => undefined,
      get: async (id) => devices.get(id),
      listForUser: async () => [],
      revoke: async () => true,
      rememberNonce: async () => true,
    },
    jobLedger: ledger,
    smsSender: {
      send: async (message) => {
        const failure = smsFailures.shift();
        if (failure) throw failure;
        if (carrierOptedOut.has(message.to)) throw new OptedOutError('opted out');
        sms.push(message);
        return { messageId: `sms-${sms.length}` };
      },
    },
    emailSender: {
      send: async (email) => {
        const failure = emailFailures.shift();
        if (failure) throw failure;
        emails.push(email);
        return { messageId: `email-${emails.length}` };
      },
    },
    optOutList: {
      optOut: async (phone) => void optedOut.add(phone),
      optIn: async (phone) => void optedOut.delete(phone),
      isOptedOut: async (phone) => optedOut.has(phone),
    },
    passwordDelivery,
    rateLimiter: {
      hit: async (key, limit) => {
        const count = hits.get(key) ?? 0;
        if (count >= limit) return { allowed: false, remaining: 0, retryAfterSeconds: 60 };
        hits.set(key, count + 1);
        return { allowed: true, remaining: limit - count - 1, retryAfterSeconds: 60 };
      },
      refund: async (key, windowSeconds, countedAt) => {
        refunds.push({ key, windowSeconds, countedAt });
        hits.set(key, Math.max(0, (hits.get(key) ?? 0) - 1));
      },
    },
    pushSender: {
      send: async (push) => {
        pushes.push(push);
        return { messageId: `push-${pushes.length}` };
      },
    },
    auditLog: {
      record: async (event) => void audit.push(event),
      listForUser: async () => [],
    },
    clock: { now: () => NOW },
    logger: silentLogger,
    onRefused: (reason) => void refusals.push(reason),
    onReplicationBehind: (dcs) => void behind.push(dcs),
    settings: { ...settings, ...overrides },
  });

  const enrolledUser = (userOverrides: Partial<DirectoryUser> = {}, enrollmentOverrides: Partial<Enrollment> = {}) => {
    const user = directoryUser(userOverrides);
    directory.users.set(user.objectGuid, user);
    enrollments.set(user.objectGuid, enrollmentOf(user, enrollmentOverrides));
    return user;
  };
  /** A device bound to `user` (an app that can ask for resets); returns its id. */
  const boundDevice = (user: DirectoryUser, overrides: Partial<Device> = {}): string => {
    const deviceId = randomUUID();
    devices.set(deviceId, {
      deviceId,
      userGuid: user.objectGuid,
      publicKey: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' },
      unlockMethod: 'none',
      platform: 'ios',
      boundAt: NOW,
      ...overrides,
    });
    return deviceId;
  };
  const job = (kind: 'reset' | 'unlock', user: DirectoryUser, extra: Partial<AccountJob> = {}): AccountJob =>
    ({
      kind,
      jobId: randomUUID(),
      requestedAt: NOW.toISOString(),
      userGuid: user.objectGuid,
      channel: 'sms',
      ...extra,
    }) as AccountJob;
  const runJob = (accountJob: AccountJob, receiveCount = 1) =>
    accountJob.kind === 'reset' ? jobs.reset(accountJob, { receiveCount }) : jobs.unlock(accountJob, { receiveCount });

  return {
    directory,
    enrollments,
    devices,
    ledger,
    sms,
    emails,
    pushes,
    audit,
    refusals,
    optedOut,
    carrierOptedOut,
    smsFailures,
    emailFailures,
    passwordDelivery,
    enrolledUser,
    boundDevice,
    job,
    runJob,
    hits,
    refunds,
    behind,
  };
}

describe('reset job on a domain with several DCs', () => {
  it('polls the other DCs within the configured time, audits per DC when each had the password, and sends the usual SMS', async () => {
    const h = harness();
    h.directory.replication = [{ dc: 'dc2.corp.example.test', state: 'caught-up', seenAfterMs: 640 }];
    const user = h.enrolledUser();
    const job = h.job('reset', user);
    await h.runJob(job);

    expect(h.directory.replicationAsked).toEqual([{ timeoutMs: 10_000, intervalMs: 500 }]);
    const password = h.directory.passwords.get(user.objectGuid) ?? '';
    expect(h.sms.map((sms) => sms.body)).toEqual([
      `Blink: your new Windows password is ${password} — you will be asked to change it when you sign in.`,
    ]);
    expect(h.audit).toContainEqual({
      userGuid: user.objectGuid,
      action: 'password-replication',
      channel: 'system',
      result: 'success',
      reason: 'fake-dc=written dc2.corp.example.test=caught-up@640ms',
      requestId: job.jobId,
      at: NOW,
    });
    expect(h.behind).toEqual([]);
  });

  it('when a DC is still behind, counts it for the alarm and the SMS says to wait a minute before signing in', async () => {
    const h = harness();
    h.directory.replication = [
      { dc: 'dc2.corp.example.test', state: 'caught-up', seenAfterMs: 900 },
      { dc: 'dc3.corp.example.test', state: 'behind' },
      { dc: 'dc4.corp.example.test', state: 'unreachable' },
    ];
    const user = h.enrolledUser();
    await h.runJob(h.job('reset', user));

    const password = h.directory.passwords.get(user.objectGuid) ?? '';
    expect(h.sms.map((sms) => sms.body)).toEqual([
      `Blink: your new Windows password is ${password} — wait a minute before signing in, it is still reaching your company’s servers; ` +
        'you will be asked to change it when you sign in.',
    ]);
    expect(h.behind).toEqual([1]);
    expect(h.audit.find((event) => event.action === 'password-replication')).toMatchObject({
      result: 'failed',
      reason:
        'fake-dc=written dc2.corp.example.test=caught-up@900ms dc3.corp.example.test=behind dc4.corp.example.test=unreachable',
    });
    expect(h.audit.find((event) => event.action === 'reset')).toMatchObject({ result: 'success' });
  });

  it('a failed confirmation does not fail the reset: the password is sent, nothing is recorded about the DCs', async () => {
    const h = harness();
    h.directory.replication = new DirectoryUnavailableError('dc2 went away');
    const user = h.enrolledUser();
    await h.runJob(h.job('reset', user));
    expect(h.sms).toHaveLength(1);
    expect(h.sms[0]?.body).not.toContain('wait a minute');
    expect(h.audit.map((event) => event.action)).toEqual(['reset']);
  });

  it('with REPLICATION_CONFIRM_SECONDS=0 (or one DC) asks no DC and records nothing more', async () => {
    const h = harness({ replicationConfirmMs: 0 });
    h.directory.replication = [{ dc: 'dc2.corp.example.test', state: 'behind' }];
    const user = h.enrolledUser();
    await h.runJob(h.job('reset', user));
    expect(h.directory.replicationAsked).toEqual([]);
    expect(h.audit.map((event) => event.action)).toEqual(['reset']);
    const single = harness();
    await single.runJob(single.job('reset', single.enrolledUser()));
    expect(single.audit.map((event) => event.action)).toEqual(['reset']);
  });
});

describe('reset job', () => {
  it('resets with a policy-conforming password, sends it by SMS only after AD accepted it, then notifies and audits', async () => {
    const h = harness();
    const user = h.enrolledUser();
    const job = h.job('reset', user);

    await h.runJob(job);

    expect(h.directory.writes).toEqual([
      { guid: user.objectGuid, kind: 'reset', options: { forceChange: true, unlock: true } },
    ]);
    const password = h.directory.passwords.get(user.objectGuid) ?? '';
    expect(password.length).toBeGreaterThanOrEqual(12);
    expect(h.sms).toEqual([
      {
        to: PHONE,
        from: '+18553917277',
        body: `Blink: your new Windows password is ${password} — you will be asked to change it when you sign in.`,
      },
    ]);
    expect(h.emails).toHaveLength(1);
    expect(h.emails[0]?.to).toBe(user.mail);
    expect(`${h.emails[0]?.subject} ${h.emails[0]?.text} ${h.emails[0]?.html}`).not.toContain(password);
    expect(h.emails[0]?.text).toContain('reset');
    expect(h.audit).toEqual([
      { userGuid: user.objectGuid, action: 'reset', channel: 'sms', result: 'success', requestId: job.jobId, at: NOW },
    ]);
    expect(h.ledger.jobs.get(job.jobId)).toMatchObject({ state: 'done', outcome: { result: 'success' } });
    expect(h.refusals).toEqual([]);
  });

  it('without force-change the SMS does not mention a change at sign-in, and the modify does not set it', async () => {
    const h = harness({ forceChange: false, unlockOnReset: false });
    const user = h.enrolledUser();
    await h.runJob(h.job('reset', user));
    expect(h.directory.writes[0]?.options).toEqual({ forceChange: false, unlock: false });
    expect(h.sms[0]?.body).toBe(`Blink: your new Windows password is ${h.directory.passwords.get(user.objectGuid)}`);
  });

  it('makes the password as long as the effective policy asks when that is more than the configured minimum', async () => {
    const h = harness();
    h.directory.effectivePolicy = {
      ...policy,
      minLength: 20,
      source: { kind: 'pso', dn: 'CN=Long,CN=Password Settings Container' },
    };
    const user = h.enrolledUser();
    await h.runJob(h.job('reset', user));
    expect(h.directory.passwords.get(user.objectGuid)?.length).toBeGreaterThanOrEqual(20);
  });

  it.each([
    ['protected', { adminCount: 1 }],
    ['disabled', { userAccountControl: 514 }],
    ['computer', { isComputer: true }],
    ['expired', { accountExpires: String((BigInt(NOW.getTime() - 86_400_000) + 11_644_473_600_000n) * 10_000n) }],
  ] as const)('refuses a %s account before any write: refusal SMS, metric, audit', async (reason, userOverrides) => {
    const h = harness();
    const user = h.enrolledUser(userOverrides);
    const job = h.job('reset', user);
    await h.runJob(job);
    expect(h.directory.writes).toEqual([]);
    expect(h.sms.map((message) => message.body)).toEqual([
      'Blink: we could not reset your password. Contact your IT service desk.',
    ]);
    expect(h.emails).toEqual([]);
    expect(h.refusals).toEqual([reason]);
    expect(h.audit).toMatchObject([{ action: 'reset', result: 'refused', reason, requestId: job.jobId }]);
    expect(h.ledger.jobs.get(job.jobId)).toMatchObject({ state: 'done', outcome: { result: 'refused', reason } });
  });

  it('refuses an account protected through nested group membership (the directory says so)', async () => {
    const h = harness();
    const user = h.enrolledUser();
    h.directory.protectedGuids.add(user.objectGuid);
    await h.runJob(h.job('reset', user));
    expect(h.directory.writes).toEqual([]);
    expect(h.refusals).toEqual(['protected']);
  });

  it('refuses when the account is gone from AD or its objectGUID matches more than one entry', async () => {
    const h = harness();
    const gone = h.enrolledUser();
    h.directory.users.delete(gone.objectGuid);
    await h.runJob(h.job('reset', gone));
    const ambiguous = h.enrolledUser();
    h.directory.findUserByGuid = async () => {
      throw new AmbiguousUserError('two');
    };
    await h.runJob(h.job('reset', ambiguous));
    expect(h.refusals).toEqual(['not-found', 'ambiguous']);
    expect(h.sms).toHaveLength(2);
  });

  it('makes each new try longer, so a policy the service account cannot read (a PSO asking for 20) is still met', async () => {
    const h = harness({ rejectionRetries: 3 });
    const user = h.enrolledUser();
    const tried: number[] = [];
    const realReset = h.directory.resetPassword.bind(h.directory);
    h.directory.resetPassword = async (target, password, options) => {
      tried.push(password.length);
      // AD's answer to a password shorter than the user's PSO demands (the worker read only the domain policy).
      if (password.length < 20) throw new PasswordRejectedError('0000052D: password too short');
      return realReset(target, password, options);
    };
    await h.runJob(h.job('reset', user));
    expect(tried).toEqual([14, 19, 24]);
    expect(h.sms[0]?.body).toContain(h.directory.passwords.get(user.objectGuid));
    expect(h.refusals).toEqual([]);
  });

  it('tries a new password when AD rejects one, up to the configured retries, then refuses without a password SMS', async () => {
    const h = harness({ rejectionRetries: 2 });
    const user = h.enrolledUser();
    h.directory.writeFailures = [new PasswordRejectedError('0000052D'), new PasswordRejectedError('0000052D')];
    await h.runJob(h.job('reset', user));
    expect(h.directory.writes).toHaveLength(1);
    expect(h.sms[0]?.body).toContain(h.directory.passwords.get(user.objectGuid));

    const refused = h.enrolledUser();
    h.directory.writeFailures = [1, 2, 3].map(() => new PasswordRejectedError('0000052D'));
    const job = h.job('reset', refused);
    await h.runJob(job);
    expect(h.directory.writeFailures).toEqual([]);
    expect(h.directory.passwords.has(refused.objectGuid)).toBe(false);
    expect(h.sms.at(-1)?.body).toBe('Blink: we could not reset your password. Contact your IT service desk.');
    expect(h.refusals).toEqual(['password-rejected']);
    expect(h.ledger.jobs.get(job.jobId)?.outcome).toEqual({ result: 'refused', reason: 'password-rejected' });
  });

  it('treats another directory refusal as final: one try, the user told, the admins alerted, no retry', async () => {
    const h = harness();
    const user = h.enrolledUser();
    h.directory.writeFailures = [new DirectoryOperationError('50 insufficient access rights')];
    const job = h.job('reset', user);
    await h.runJob(job);
    expect(h.directory.writeFailures).toEqual([]);
    expect(h.sms.map((message) => message.body)).toEqual([
      'Blink: we could not reset your password. Contact your IT service desk.',
    ]);
    expect(h.refusals).toEqual(['directory-error']);
    expect(h.ledger.jobs.get(job.jobId)?.outcome).toEqual({ result: 'failed', reason: 'directory-error' });
  });

  it('releases the job and throws when no DC answers, so SQS retries; nothing is sent before the last delivery', async () => {
    const h = harness();
    const user = h.enrolledUser();
    h.directory.down = new DirectoryUnavailableError('no domain controller answered');
    const job = h.job('reset', user);
    for (const receiveCount of [1, 2, 3, 4]) {
      await expect(h.runJob(job, receiveCount)).rejects.toBeInstanceOf(DirectoryUnavailableError);
      expect(h.ledger.jobs.get(job.jobId)?.state).toBe('running');
    }
    expect(h.sms).toEqual([]);
    expect(h.audit).toEqual([]);

    await expect(h.runJob(job, 5)).rejects.toBeInstanceOf(DirectoryUnavailableError);
    expect(h.sms.map((message) => message.body)).toEqual([
      'Blink: we could not reach your company directory; your password was not changed. Try again later.',
    ]);
    expect(h.audit).toMatchObject([{ action: 'reset', result: 'failed', reason: 'directory-unavailable' }]);
    // Closed for good: a redrive from the DLQ does not reset the password behind the user's back.
    expect(h.ledger.jobs.get(job.jobId)).toMatchObject({ state: 'done', outcome: { result: 'failed' } });
    await h.runJob(job, 1);
    expect(h.directory.writes).toEqual([]);
  });

  it('recovers: a job that failed while the DC was down succeeds on a later delivery', async () => {
    const h = harness();
    const user = h.enrolledUser();
    const job = h.job('reset', user);
    h.directory.down = new DirectoryUnavailableError('timeout');
    await expect(h.runJob(job, 1)).rejects.toBeInstanceOf(DirectoryUnavailableError);
    h.directory.down = undefined;
    await h.runJob(job, 2);
    expect(h.directory.writes).toHaveLength(1);
    expect(h.sms).toHaveLength(1);
    expect(h.sms[0]?.body).toContain('your new Windows password is');
  });

  it('does a job once: a duplicate delivery after completion is acknowledged, a concurrent one is sent back to the queue', async () => {
    const h = harness();
    const user = h.enrolledUser();
    const job = h.job('reset', user);
    let release: () => void = () => undefined;
    let entered: () => void = () => undefined;
    const insideWrite = new Promise<void>((resolve) => (entered = resolve));
    const original = h.directory.resetPassword.bind(h.directory);
    h.directory.resetPassword = async (...args) => {
      const held = new Promise<void>((resolve) => (release = resolve));
      entered();
      await held;
      return original(...args);
    };
    const first = h.runJob(job);
    // The first run holds the lease and is inside the write: a second delivery of the same job must not start it.
    await insideWrite;
    await expect(h.runJob(job)).rejects.toBeInstanceOf(ConcurrentUpdateError);
    release();
    await first;
    await h.runJob(job, 2);
    expect(h.directory.writes).toHaveLength(1);
    expect(h.sms).toHaveLength(1);
  });

  it('answers from the number the user texted; else from the number saved at setup; never from a number not ours', async () => {
    const h = harness();
    const texted = h.enrolledUser({}, { senderNumber: '+18553917277' });
    await h.runJob(h.job('reset', texted, { replyFrom: '+14437477277' }));
    await h.runJob(h.job('unlock', texted, { replyFrom: '+14437477277' }));
    expect(h.sms.map((sms) => sms.from)).toEqual(['+14437477277', '+14437477277']);

    const saved = h.enrolledUser({}, { senderNumber: '+14437477277', phoneE164: '+12065550199' });
    await h.runJob(h.job('unlock', saved));
    // A replyFrom that is not one of SMS_INBOUND_NUMBERS is ignored.
    await h.runJob(h.job('unlock', saved, { replyFrom: '+12125550100' }));
    expect(h.sms.filter((sms) => sms.to === '+12065550199').map((sms) => sms.from)).toEqual([
      '+14437477277',
      '+14437477277',
    ]);
  });

  it('never writes or sends for an opted-out number', async () => {
    const h = harness();
    const user = h.enrolledUser();
    h.optedOut.add(PHONE);
    const job = h.job('reset', user);
    await h.runJob(job);
    expect(h.directory.writes).toEqual([]);
    expect(h.sms).toEqual([]);
    expect(h.audit).toMatchObject([{ result: 'refused', reason: 'opted-out' }]);
  });

  it('records a carrier opt-out met while sending, and sends nothing more to that number', async () => {
    const h = harness();
    const user = h.enrolledUser();
    h.carrierOptedOut.add(PHONE);
    await h.runJob(h.job('reset', user));
    expect(h.optedOut.has(PHONE)).toBe(true);
    // AD has the new password but the SMS could not go: the user is told by email (without the password).
    expect(h.audit).toMatchObject([
      { action: 'password-not-texted-notice', result: 'success', reason: 'opted-out' },
      { action: 'reset', result: 'failed', reason: 'opted-out' },
    ]);
    expect(h.emails.map((email) => email.subject)).toEqual([
      'Blink: your Windows password was reset but could not be texted to you',
    ]);
    expect(JSON.stringify(h.emails)).not.toContain(h.directory.passwords.get(user.objectGuid) ?? 'no password');
    await h.runJob(h.job('reset', user));
    expect(h.directory.writes).toHaveLength(1);
  });

  it('audits an untexted password whose email notice failed, or that had no address to go to', async () => {
    const h = harness();
    const failing = h.enrolledUser();
    h.carrierOptedOut.add(PHONE);
    h.emailFailures.push(new Error('SES down'));
    await h.runJob(h.job('reset', failing));
    const noMail = h.enrolledUser({}, { mail: '', phoneE164: '+12065550142' });
    h.carrierOptedOut.add('+12065550142');
    await h.runJob(h.job('reset', noMail));
    expect(h.audit.filter((event) => event.action === 'password-not-texted-notice')).toMatchObject([
      { userGuid: failing.objectGuid, result: 'failed', reason: 'opted-out' },
      { userGuid: noMail.objectGuid, result: 'failed', reason: 'no-mail' },
    ]);
  });

  it('answers nothing and writes nothing for a revoked or SMS-less enrollment', async () => {
    const h = harness();
    const revoked = h.enrolledUser({}, { status: 'revoked' });
    const appOnly = h.enrolledUser({}, { methods: { sms: false, app: true } });
    await h.runJob(h.job('reset', revoked));
    await h.runJob(h.job('unlock', appOnly));
    expect(h.directory.writes).toEqual([]);
    expect(h.sms).toEqual([]);
    expect(h.audit.map((event) => event.reason)).toEqual(['not-enrolled', 'not-enrolled']);
  });

  it('retries a failed password SMS with a fresh reset, and a failed email notice does not undo or repeat the reset', async () => {
    const h = harness();
    const user = h.enrolledUser();
    const job = h.job('reset', user);
    h.smsFailures.push(new DeliveryError('throttled'));
    await expect(h.runJob(job, 1)).rejects.toBeInstanceOf(DeliveryError);
    h.emailFailures.push(new DeliveryError('SES down'));
    await h.runJob(job, 2);
    expect(h.directory.writes).toHaveLength(2);
    expect(h.sms).toHaveLength(1);
    expect(h.sms[0]?.body).toContain(h.directory.passwords.get(user.objectGuid));
    expect(h.ledger.jobs.get(job.jobId)).toMatchObject({ state: 'done', outcome: { result: 'success' } });
  });

  it('reports accounts whose password never expires (force-change has no effect on them) in the audit reason', async () => {
    const h = harness();
    const user = h.enrolledUser({ userAccountControl: 512 | 0x10000 });
    await h.runJob(h.job('reset', user));
    expect(h.audit).toMatchObject([{ result: 'success', reason: 'dont-expire-password' }]);
  });

  it('delivers to the requesting app: the password to its slot, a push when it has a token, no SMS', async () => {
    const h = harness();
    const user = h.enrolledUser({}, { methods: { sms: true, app: true } });
    const deviceId = h.boundDevice(user, {
      unlockMethod: 'biometric',
      pushToken: 'arn:aws:sns:us-east-1:000000000000:endpoint/APNS/blink/1',
    });
    const job = h.job('reset', user, { channel: 'app', deviceId });
    await h.runJob(job);
    expect(h.passwordDelivery.results).toEqual([
      {
        recipient: { jobId: job.jobId, deviceId, userGuid: user.objectGuid },
        result: { state: 'password-ready', jwe: 'jwe' },
        password: h.directory.passwords.get(user.objectGuid),
      },
    ]);
    expect(h.pushes).toEqual([
      {
        target: 'arn:aws:sns:us-east-1:000000000000:endpoint/APNS/blink/1',
        title: 'Blink',
        body: 'Your new password is ready',
        data: { requestId: job.jobId },
      },
    ]);
    expect(h.sms).toEqual([]);
    expect(h.emails).toHaveLength(1);
    expect(h.audit).toMatchObject([{ channel: 'app', result: 'success' }]);
  });

  it('ends an app request of a revoked device (or another user’s device) without touching AD', async () => {
    const h = harness();
    const user = h.enrolledUser({}, { methods: { sms: true, app: true } });
    const revokedId = randomUUID();
    const foreignId = randomUUID();
    const base = {
      publicKey: { kty: 'EC' as const, crv: 'P-256' as const, x: 'x', y: 'y' },
      unlockMethod: 'pin' as const,
      platform: 'android' as const,
      boundAt: NOW,
    };
    h.devices.set(revokedId, { ...base, deviceId: revokedId, userGuid: user.objectGuid, revokedAt: NOW });
    h.devices.set(foreignId, { ...base, deviceId: foreignId, userGuid: randomUUID() });
    await h.runJob(h.job('reset', user, { channel: 'app', deviceId: revokedId }));
    await h.runJob(h.job('reset', user, { channel: 'app', deviceId: foreignId }));
    expect(h.directory.writes).toEqual([]);
    expect(h.passwordDelivery.results.map((entry) => entry.result.state)).toEqual(['failed']);
    expect(h.audit.map((event) => event.reason)).toEqual(['device-revoked', 'not-enrolled']);
  });

  it('changes nothing for an app request that is no longer awaited (expired or already answered)', async () => {
    const h = harness();
    const user = h.enrolledUser({}, { methods: { sms: true, app: true } });
    const deviceId = h.boundDevice(user);
    const job = h.job('reset', user, { channel: 'app', deviceId });
    h.passwordDelivery.noLongerAwaited.add(job.jobId);
    await h.runJob(job);
    expect(h.directory.writes).toEqual([]);
    expect(h.passwordDelivery.results).toEqual([]);
    expect(h.audit.map((event) => event.reason)).toEqual(['request-expired']);
  });
});

describe('unlock job', () => {
  it('unlocks a locked account (lockoutTime only), answers, notifies and audits', async () => {
    const h = harness();
    const user = h.enrolledUser();
    h.directory.locked.add(user.objectGuid);
    const job = h.job('unlock', user);
    await h.runJob(job);
    expect(h.directory.writes).toEqual([{ guid: user.objectGuid, kind: 'unlock' }]);
    expect(h.sms.map((message) => message.body)).toEqual(['Blink: your Windows account is unlocked.']);
    expect(h.emails[0]?.subject).toBe('Blink: your Windows account was unlocked');
    expect(h.audit).toMatchObject([{ action: 'unlock', result: 'success', requestId: job.jobId }]);
  });

  it('says so when the account is not locked, without a write', async () => {
    const h = harness();
    const user = h.enrolledUser();
    await h.runJob(h.job('unlock', user));
    expect(h.directory.writes).toEqual([]);
    expect(h.sms.map((message) => message.body)).toEqual(['Blink: your account is not locked.']);
    expect(h.emails).toEqual([]);
    expect(h.audit).toMatchObject([{ action: 'unlock', result: 'success', reason: 'not-locked' }]);
  });

  it("gives a not-locked UNLOCK back to the account's hourly and daily limits, in the window it was counted in", async () => {
    const h = harness();
    const user = h.enrolledUser();
    const requestedAt = new Date(NOW.getTime() - 4 * 60_000);
    await h.runJob(h.job('unlock', user, { requestedAt: requestedAt.toISOString() }));
    expect(h.refunds).toEqual([
      { key: `resets-hour#${user.objectGuid}`, windowSeconds: 3600, countedAt: requestedAt },
      { key: `resets-day#${user.objectGuid}`, windowSeconds: 86_400, countedAt: requestedAt },
    ]);
    // A real unlock and a reset are never given back.
    h.directory.locked.add(user.objectGuid);
    await h.runJob(h.job('unlock', user));
    await h.runJob(h.job('reset', user));
    expect(h.refunds).toHaveLength(2);
  });

  it(`gives back at most ${NOT_LOCKED_REFUNDS_PER_HOUR} not-locked UNLOCKs an hour, so repeating UNLOCK still meets the limit`, async () => {
    const h = harness();
    const user = h.enrolledUser();
    for (let i = 0; i < NOT_LOCKED_REFUNDS_PER_HOUR + 2; i++) await h.runJob(h.job('unlock', user));
    expect(h.refunds.filter((refund) => refund.key.startsWith('resets-hour#'))).toHaveLength(
      NOT_LOCKED_REFUNDS_PER_HOUR,
    );
  });

  it('refuses a protected account and tells the user on the last delivery when the DC is down', async () => {
    const h = harness();
    const admin = h.enrolledUser({ adminCount: 1 });
    h.directory.locked.add(admin.objectGuid);
    await h.runJob(h.job('unlock', admin));
    expect(h.directory.writes).toEqual([]);
    expect(h.sms.at(-1)?.body).toBe('Blink: we could not unlock your account. Contact your IT service desk.');

    const user = h.enrolledUser();
    h.directory.down = new DirectoryUnavailableError('down');
    await expect(h.runJob(h.job('unlock', user), 5)).rejects.toBeInstanceOf(DirectoryUnavailableError);
    expect(h.sms.at(-1)?.body).toBe(
      'Blink: we could not reach your company directory; your account was not unlocked. Try again later.',
    );
  });
});

describe('account notice email', () => {
  it('escapes the names in the HTML part and never carries a password', () => {
    const email = accountChangedEmail(
      { productName: 'Blink', supportContact: 'the <help> desk' },
      { mail: 'eve@corp.example.test', displayName: 'Eve <script>' },
      { kind: 'reset', channel: 'app', at: NOW },
    );
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('Eve &lt;script&gt;');
    expect(email.text).toContain('on 2026-12-01 at 09:00 UTC');
    expect(email.text).toContain('from the app on your linked phone');
  });
});

describe('directory worker hands the receive count to the job handlers', () => {
  captureLogsOfEachTest();

  it('passes ApproximateReceiveCount, and 1 when it is missing', async () => {
    const seen: number[] = [];
    const record = (count: string) =>
      sqsRecord(JSON.stringify({ kind: 'ping', jobId: randomUUID(), requestedAt: NOW.toISOString() }), {
        attributes: { ApproximateReceiveCount: count },
      });
    const worker = createDirectoryWorkerHandler({
      observability: testObservability('t'),
      jobs: jobHandlersWith({ ping: async (_job, delivery) => void seen.push(delivery.receiveCount) }),
    });
    await worker({ Records: [record('4'), record('')] }, lambdaContext());
    expect(seen).toEqual([4, 1]);
  });
});
