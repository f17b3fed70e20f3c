import { randomUUID } from 'node:crypto';
import { createDirectoryWorkerAdminHandler } from '../../functions/directory-worker/admin-handler.js';
import { parseEnv, ConfigurationError } from '../../shared/config/env.js';
import type { Device } from '../../shared/domain/device.js';
import type { DirectoryJob } from '../../shared/domain/directory-job.js';
import type { Enrollment } from '../../shared/domain/enrollment.js';
import type { MassLockoutEvent } from '../../shared/domain/mass-lockout.js';
import {
  DeliveryError,
  DirectoryUnavailableError,
  OptedOutError,
  PushSubscriptionGoneError,
} from '../../shared/domain/errors.js';
import { testObservability } from '../support/observability.js';
import type { AuditEvent, AuditLog } from '../../shared/ports/audit-log.js';
import type { DeviceStore } from '../../shared/ports/device-store.js';
import type {
  BadPasswordsOnDc,
  ChangeWatermark,
  DirectoryUser,
  LockedAccount,
  LockoutScanOptions,
  LockoutScanResult,
  PasswordPolicy,
  PolicySource,
} from '../../shared/ports/directory.js';
import type { EnrollmentStore } from '../../shared/ports/enrollment-store.js';
import type { LockoutAlertLog, LockoutAlertRecord } from '../../shared/ports/lockout-alert-log.js';
import type { OnceKeys } from '../../shared/ports/once-keys.js';
import type { OptOutList } from '../../shared/ports/opt-out-list.js';
import type { OutboundPush, PushSender } from '../../shared/ports/push-sender.js';
import type { RateLimiter } from '../../shared/ports/rate-limiter.js';
import type { ScanWatermark, ScanWatermarkStore } from '../../shared/ports/scan-watermark-store.js';
import type { OutboundSms, SmsSender } from '../../shared/ports/sms-sender.js';
import {
  createLockoutWatch,
  lockoutAlertPush,
  lockoutAlertSms,
  lockoutAlertWebPush,
  lockoutClockTime,
  type LockoutWatchDependencies,
  type MassLockoutDependencies,
  type MassLockoutSettings,
} from '../../shared/use-cases/lockout/index.js';
import type { OutboundWebPush } from '../../shared/ports/web-push-sender.js';
import { captureLogsOfEachTest } from '../support/capture-logs.js';
import { lambdaContext } from '../support/lambda-context.js';
import { ManualClock } from '../support/manual-clock.js';
import { activeEnrollment } from '../support/enrollments.js';
import { domainPolicyOf, EmptyDirectory } from '../support/fake-directory.js';
import { silentLogger } from '../support/silent-logger.js';

// The lockout watch's rules with in-memory fakes of its ports; the adapters and the whole flow are tested against
// Samba and dynalite in test/integration/lockout-watch.test.ts.

const LOCKED_AT = new Date('2026-11-20T10:42:17.000Z');
/** FILETIME of LOCKED_AT (100-ns intervals since 1601). */
const fileTime = (date: Date) => String((BigInt(date.getTime()) + 11_644_473_600_000n) * 10_000n);

const domainPolicy = domainPolicyOf({ minLength: 8, historyLength: 3, lockoutThreshold: 3 });

/**
 * A directory of locked accounts behind DCs with USNs, like AD: every change (a lockout) takes the next USN of the DC
 * in use, and a scan with `changedSince` on that DC returns only the accounts changed after it.
 */
class FakeDirectory extends EmptyDirectory {
  /** The locked accounts; the scan adds each one's policy source (from psoDuration). */
  locked: Array<Omit<LockedAccount, 'policySource'>> = [];
  /** What each DC counted of wrong passwords, per account DN, or an error for DCs that cannot be asked. */
  badPasswords = new Map<string, BadPasswordsOnDc[]>();
  badPasswordsFailure?: Error;
  complete = true;
  down?: Error;
  /** Effective lockout duration per user GUID (a PSO); the domain's otherwise. */
  psoDuration = new Map<string, number>();
  domainDuration = 1800;
  /** Every read a lockout's end costs (user lookups and policy reads), by method. */
  policyReads: string[] = [];
  scans = 0;
  /** The DC the directory talks to; undefined: a DC without USNs. */
  dc: { dc: string; dcName: string } | undefined = { dc: 'invocation-a', dcName: 'dc-a.corp.test' };
  /** highestCommittedUSN per DC (a real domain replicates a change to each DC under that DC's own USN). */
  usn = new Map<string, number>([
    ['invocation-a', 1000],
    ['invocation-b', 5000],
  ]);
  /** uSNChanged of each account, per DC. */
  changed = new Map<string, Map<string, number>>();
  /** Options of every scan, in order. */
  scanOptions: LockoutScanOptions[] = [];
  /** Runs in the middle of the next scan: after it read its watermark, once the search has passed every user. */
  duringNextScan?: () => void;
  /** The DC the next scan lands on, when it is not the one readChangeWatermark saw (a failover in between). */
  nextScanOn?: { dc: string; dcName: string };

  constructor() {
    super(domainPolicy);
  }

  /** One replicated change of the account: the next USN on every DC. */
  touch(guid: string): void {
    for (const [dc, usn] of this.usn) {
      this.usn.set(dc, usn + 1);
      const perDc = this.changed.get(dc) ?? new Map<string, number>();
      perDc.set(guid, usn + 1);
      this.changed.set(dc, perDc);
    }
  }

  override async readChangeWatermark(): Promise<ChangeWatermark | undefined> {
    if (this.down) throw this.down;
    return this.dc ? { ...this.dc, highestCommittedUsn: this.usn.get(this.dc.dc) ?? 0 } : undefined;
  }

  override async findUserByGuid(guid: string): Promise<DirectoryUser | undefined> {
    this.policyReads.push('findUserByGuid');
    const account = this.locked.find((entry) => entry.objectGuid === guid);
    if (!account) return undefined;
    return {
      objectGuid: guid,
      dn: account.dn,
      samAccountName: account.samAccountName,
      userAccountControl: 512,
      adminCount: 0,
      accountExpires: '0',
      lockoutTime: account.lockoutTime,
      isComputer: false,
    };
  }
  override async readDomainPolicy(): Promise<PasswordPolicy> {
    this.policyReads.push('readDomainPolicy');
    return { ...domainPolicy, lockoutDurationSeconds: this.domainDuration };
  }
  override async readEffectivePolicy(user: DirectoryUser): Promise<PasswordPolicy> {
    this.policyReads.push('readEffectivePolicy');
    return this.policyOf(this.policySourceOf(user.objectGuid));
  }
  override async readPolicy(source: PolicySource): Promise<PasswordPolicy> {
    this.policyReads.push('readPolicy');
    return this.policyOf(source);
  }
  /** One PSO per distinct duration, as msDS-ResultantPSO names it. */
  private policySourceOf(guid: string): PolicySource {
    const duration = this.psoDuration.get(guid);
    return duration === undefined ? { kind: 'domain' } : { kind: 'pso', dn: psoDn(duration) };
  }
  private policyOf(source: PolicySource): PasswordPolicy {
    if (source.kind === 'domain') return { ...domainPolicy, lockoutDurationSeconds: this.domainDuration };
    const duration = [...this.psoDuration.values()].find((seconds) => psoDn(seconds) === source.dn);
    if (duration === undefined) throw new Error(`no PSO ${source.dn}`);
    return { ...domainPolicy, lockoutDurationSeconds: duration, source };
  }
  override async isLockedOut() {
    return true;
  }
  override async readBadPasswords(user: { dn: string }): Promise<BadPasswordsOnDc[]> {
    if (this.badPasswordsFailure) throw this.badPasswordsFailure;
    return this.badPasswords.get(user.dn) ?? [];
  }
  override async scanLockedAccounts(options: LockoutScanOptions): Promise<LockoutScanResult> {
    this.scans += 1;
    this.scanOptions.push(options);
    if (this.down) throw this.down;
    const on = this.nextScanOn ?? this.dc;
    this.nextScanOn = undefined;
    const startedAt = on ? { ...on, highestCommittedUsn: this.usn.get(on.dc) ?? 0 } : undefined;
    // The adapter's rule: incremental only on the same DC whose USN has not gone back.
    const since = options.changedSince;
    const incremental =
      since !== undefined &&
      startedAt !== undefined &&
      since.dc === startedAt.dc &&
      startedAt.highestCommittedUsn >= since.highestCommittedUsn;
    const changedOnDc = on ? this.changed.get(on.dc) : undefined;
    const locked = this.locked
      .filter(
        (account) => !incremental || (changedOnDc?.get(account.objectGuid) ?? 0) > (since?.highestCommittedUsn ?? 0),
      )
      .map((account) => ({ ...account, policySource: this.policySourceOf(account.objectGuid) }));
    const during = this.duringNextScan;
    this.duringNextScan = undefined;
    during?.();
    return { locked, pages: 1, complete: this.complete, incremental, ...(startedAt ? { startedAt } : {}) };
  }
}

const psoDn = (durationSeconds: number) => `CN=Lockout ${durationSeconds}s,CN=Password Settings Container,DC=x`;

/** A sender that throws the queued failures first, one per send, then records what it sends. */
function failingThenRecording<Message>(failures: Error[], sent: Message[]) {
  return async (message: Message): Promise<{ messageId: string }> => {
    const failure = failures.shift();
    if (failure) throw failure;
    sent.push(message);
    return { messageId: randomUUID() };
  };
}

class Fakes {
  enrollments = new Map<string, Enrollment>();
  devices: Device[] = [];
  onceKeys = new Map<string, Date>();
  forgotten: string[] = [];
  optedOut = new Set<string>();
  sms: OutboundSms[] = [];
  smsFailures: Error[] = [];
  pushes: OutboundPush[] = [];
  pushFailures: Error[] = [];
  hits = new Map<string, number>();
  audit: AuditEvent[] = [];
  alerts = new Map<string, LockoutAlertRecord>();
  metrics: string[] = [];
  failEnrollmentOf?: string;
  watermarks = new Map<string, ScanWatermark>();
  failWatermarkWrite = false;

  enrollmentStore: Pick<EnrollmentStore, 'get'> = {
    get: async (guid) => {
      if (guid === this.failEnrollmentOf) throw new Error('table unavailable');
      return this.enrollments.get(guid);
    },
  };
  deviceStore: Pick<DeviceStore, 'listForUser'> = {
    listForUser: async (guid) => this.devices.filter((device) => device.userGuid === guid),
  };
  once: OnceKeys = {
    recordFirst: async (key, keepUntil) => {
      if (this.onceKeys.has(key)) return false;
      this.onceKeys.set(key, keepUntil);
      return true;
    },
    forget: async (key) => {
      this.onceKeys.delete(key);
      this.forgotten.push(key);
    },
  };
  optOutList: OptOutList = {
    optOut: async (phone) => void this.optedOut.add(phone),
    optIn: async (phone) => void this.optedOut.delete(phone),
    isOptedOut: async (phone) => this.optedOut.has(phone),
  };
  smsSender: SmsSender = { send: failingThenRecording(this.smsFailures, this.sms) };
  pushSender: PushSender = { send: failingThenRecording(this.pushFailures, this.pushes) };
  rateLimiter: RateLimiter = {
    hit: async (key, limit) => {
      const hits = this.hits.get(key) ?? 0;
      if (hits >= limit) return { allowed: false, remaining: 0, retryAfterSeconds: 60 };
      this.hits.set(key, hits + 1);
      return { allowed: true, remaining: limit - hits - 1, retryAfterSeconds: 60 };
    },
  };
  auditLog: AuditLog = {
    record: async (event) => void this.audit.push(event),
    listForUser: async () => [],
  };
  alertLog: LockoutAlertLog = {
    record: async (alert) => void this.alerts.set(`${alert.userGuid}#${alert.lockoutTime}`, alert),
    find: async (guid, lockoutTime) => this.alerts.get(`${guid}#${lockoutTime}`),
  };
  /** The DynamoDB adapter's conditions, in memory (the adapter itself is tested against dynalite). */
  scanWatermarks: ScanWatermarkStore = {
    get: async (dc) => this.watermarks.get(dc),
    record: async (watermark, scan) => {
      if (this.failWatermarkWrite) throw new Error('table unavailable');
      const stored = this.watermarks.get(watermark.dc);
      const allowed =
        !stored ||
        stored.highestCommittedUsn <= watermark.highestCommittedUsn ||
        (scan.full && stored.recordedAt.getTime() < scan.startedAt.getTime());
      if (!allowed) return false;
      this.watermarks.set(watermark.dc, {
        ...watermark,
        recordedAt: scan.startedAt,
        fullScanAt: scan.full ? scan.startedAt : (stored?.fullScanAt ?? new Date(0)),
      });
      return true;
    },
  };
}

function harness(
  settings: Partial<{
    timeZone: string;
    alertsPerDay: number;
    watermarkMaxAgeSeconds: number;
    showBadPasswordDc: boolean;
  }> = {},
  webPush?: LockoutWatchDependencies['webPush'],
  massLockout?: { dependencies: MassLockoutDependencies; settings: MassLockoutSettings },
) {
  const directory = new FakeDirectory();
  const fakes = new Fakes();
  const clock = new ManualClock(new Date(LOCKED_AT.getTime() + 60_000));
  const watch = createLockoutWatch({
    directory,
    enrollmentStore: fakes.enrollmentStore as EnrollmentStore,
    deviceStore: fakes.deviceStore as DeviceStore,
    onceKeys: fakes.once,
    optOutList: fakes.optOutList,
    smsSender: fakes.smsSender,
    pushSender: fakes.pushSender,
    rateLimiter: fakes.rateLimiter,
    auditLog: fakes.auditLog,
    alertLog: fakes.alertLog,
    scanWatermarks: fakes.scanWatermarks,
    ...(webPush ? { webPush } : {}),
    ...(massLockout ? { massLockout: massLockout.dependencies } : {}),
    clock,
    logger: silentLogger,
    metrics: { addMetric: (name) => void fakes.metrics.push(name) },
    settings: {
      scan: { pageSize: 2, timeBudgetMs: 5000 },
      watermarkMaxAgeSeconds: settings.watermarkMaxAgeSeconds ?? 86_400,
      timeZone: settings.timeZone ?? 'UTC',
      alertsPerDay: settings.alertsPerDay ?? 5,
      productName: 'Blink',
      showBadPasswordDc: settings.showBadPasswordDc ?? false,
      ...(massLockout ? { massLockout: massLockout.settings } : {}),
    },
  });

  /** A locked account with an active enrollment (verified phone) and one device with a push token. */
  const lockedUser = (options: { phone?: string | null; devices?: Array<Partial<Device>>; lockedAt?: Date } = {}) => {
    const guid = randomUUID();
    const lockedAt = options.lockedAt ?? LOCKED_AT;
    const phone =
      options.phone === null ? undefined : (options.phone ?? `+1415555${String(1000 + fakes.enrollments.size)}`);
    directory.locked.push({
      objectGuid: guid,
      dn: `CN=${guid},DC=x`,
      samAccountName: `u-${guid.slice(0, 8)}`,
      lockoutTime: fileTime(lockedAt),
      lockedAt,
    });
    directory.touch(guid);
    const account = {
      userGuid: guid,
      dn: `CN=${guid},DC=x`,
      samAccountName: `u-${guid.slice(0, 8)}`,
      displayName: 'User',
      mail: 'u@x.test',
    };
    fakes.enrollments.set(guid, activeEnrollment(account, { phoneE164: phone, app: true, at: LOCKED_AT, version: 1 }));
    for (const device of options.devices ?? [{}]) {
      fakes.devices.push({
        deviceId: randomUUID(),
        userGuid: guid,
        publicKey: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' },
        unlockMethod: 'none',
        platform: 'android',
        pushToken: `arn:aws:sns:us-east-1:1:endpoint/GCM/blink/${randomUUID()}`,
        boundAt: LOCKED_AT,
        ...device,
      });
    }
    return { guid, phone, lockoutTime: fileTime(lockedAt) };
  };

  /** The same account locked again at another time (after an unlock): a new lockout event. */
  const relock = (guid: string, lockedAt: Date) => {
    const account = directory.locked.find((entry) => entry.objectGuid === guid);
    if (!account) throw new Error('no such account');
    account.lockedAt = lockedAt;
    account.lockoutTime = fileTime(lockedAt);
    directory.touch(guid);
  };

  return { directory, fakes, clock, watch, lockedUser, relock };
}

describe('lockout watch (use case)', () => {
  it('sends one SMS and one push per device with a push token; revoked and token-less devices get none', async () => {
    const { watch, fakes, lockedUser } = harness();
    const user = lockedUser({ devices: [{}, { revokedAt: LOCKED_AT }, { pushToken: undefined }] });
    const summary = await watch.scan('job-1');
    expect(fakes.sms).toEqual([
      {
        to: user.phone,
        body: 'Blink: your Windows account was locked at 10:42 UTC. Reply UNLOCK to unlock it or RESET for a new password.',
      },
    ]);
    expect(fakes.pushes).toHaveLength(1);
    expect(summary).toMatchObject({ locked: 1, alerted: 1, alreadyHandled: 0 });
    expect([...fakes.onceKeys.keys()]).toEqual([`lockout-alert#${user.guid}#${user.lockoutTime}`]);
    expect(fakes.audit).toEqual([
      expect.objectContaining({ userGuid: user.guid, action: 'lockout-alert', result: 'success', requestId: 'job-1' }),
    ]);
  });

  it('sends the alert from the number the user saved at setup (the one the verification SMS came from)', async () => {
    const { watch, fakes, lockedUser } = harness();
    const user = lockedUser();
    const enrollment = fakes.enrollments.get(user.guid);
    if (!enrollment) throw new Error('no enrollment');
    fakes.enrollments.set(user.guid, { ...enrollment, senderNumber: '+14437477277' });
    await watch.scan('job-1');
    expect(fakes.sms).toEqual([expect.objectContaining({ to: user.phone, from: '+14437477277' })]);
  });

  it('two scans at once alert once', async () => {
    const { watch, fakes, lockedUser } = harness();
    lockedUser();
    const [first, second] = await Promise.all([watch.scan('a'), watch.scan('b')]);
    expect(first.alerted + second.alerted).toBe(1);
    expect(fakes.sms).toHaveLength(1);
  });

  it('writes the time in the configured time zone', () => {
    expect(lockoutClockTime(LOCKED_AT, 'UTC')).toBe('10:42');
    expect(lockoutClockTime(LOCKED_AT, 'America/New_York')).toBe('05:42');
    expect(lockoutClockTime(LOCKED_AT, 'Asia/Kolkata')).toBe('16:12');
    expect(lockoutAlertSms('Corp Reset', LOCKED_AT, 'Europe/Berlin')).toBe(
      'Corp Reset: your Windows account was locked at 11:42 CET. Reply UNLOCK to unlock it or RESET for a new password.',
    );
  });

  it('names the zone of the time, with daylight saving, so "23:24" is never read in the phone\'s own zone', () => {
    const winter = new Date('2026-01-15T23:24:00Z');
    const summer = new Date('2026-07-15T23:24:00Z');
    expect(lockoutAlertSms('Blink', winter, 'UTC')).toContain('locked at 23:24 UTC.');
    expect(lockoutAlertSms('Blink', winter, 'Europe/Berlin')).toContain('locked at 00:24 CET.');
    expect(lockoutAlertSms('Blink', summer, 'Europe/Berlin')).toContain('locked at 01:24 CEST.');
    expect(lockoutAlertSms('Blink', winter, 'America/New_York')).toContain('locked at 18:24 EST.');
    expect(lockoutAlertSms('Blink', summer, 'America/Los_Angeles')).toContain('locked at 16:24 PDT.');
    expect(lockoutAlertSms('Blink', summer, 'Europe/London')).toContain('locked at 00:24 BST.');
    // A zone with no common abbreviation gets its offset.
    expect(lockoutAlertSms('Blink', winter, 'Asia/Kolkata')).toContain('locked at 04:54 GMT+5:30.');
    expect(lockoutAlertPush('Blink', winter, 'America/New_York').body).toContain('locked at 18:24 EST.');
  });

  it('judges expiry by the effective policy: a PSO’s longer duration keeps the lockout alive', async () => {
    const { watch, fakes, directory, clock, lockedUser } = harness();
    const domainUser = lockedUser();
    const psoUser = lockedUser();
    directory.psoDuration.set(psoUser.guid, 3600);
    clock.set(new Date(LOCKED_AT.getTime() + 45 * 60_000));
    const summary = await watch.scan('job');
    expect(summary).toMatchObject({ expired: 1, alerted: 1 });
    expect(fakes.sms.map((sms) => sms.to)).toEqual([psoUser.phone]);
    expect(fakes.sms.map((sms) => sms.to)).not.toContain(domainUser.phone);
  });

  it('reads each distinct policy once per scan, however many users are locked (a mass lockout)', async () => {
    const { watch, fakes, directory, lockedUser } = harness();
    const psoUsers = Array.from({ length: 40 }, () => lockedUser());
    for (const user of psoUsers) directory.psoDuration.set(user.guid, 3600);
    for (let index = 0; index < 10; index += 1) lockedUser();
    const summary = await watch.scan('job');
    expect(summary).toMatchObject({ locked: 50, alerted: 50 });
    expect(fakes.sms).toHaveLength(50);
    // One read for the PSO the 40 share, one for the domain policy of the other 10: no per-user lookups.
    expect(directory.policyReads.sort()).toEqual(['readPolicy', 'readPolicy']);
    // The next scan reads them afresh: a policy an admin changed in between applies.
    directory.policyReads = [];
    await watch.listLocked();
    expect(directory.policyReads).toEqual(['readPolicy', 'readPolicy']);
  });

  it('lockout duration 0 means until unlocked: alerted however late, listed without an end', async () => {
    const { watch, fakes, directory, clock, lockedUser } = harness();
    directory.domainDuration = 0;
    const user = lockedUser();
    clock.set(new Date(LOCKED_AT.getTime() + 90 * 86_400_000));
    await watch.scan('job');
    expect(fakes.sms).toHaveLength(1);
    // The key outlives a lockout without an end for long, so the user is not alerted again every scan.
    const keepUntil = fakes.onceKeys.get(`lockout-alert#${user.guid}#${user.lockoutTime}`);
    expect(keepUntil && keepUntil.getTime() - clock.now().getTime()).toBeGreaterThanOrEqual(300 * 86_400_000);
    const listed = await watch.listLocked();
    expect(listed.locked).toEqual([
      expect.objectContaining({
        userGuid: user.guid,
        lockoutEndsAt: null,
        alert: expect.objectContaining({ outcome: 'alerted' }),
      }),
    ]);
  });

  it('caps alerts per user per day: the event is recorded as capped, nothing is sent', async () => {
    const { watch, fakes, relock, lockedUser } = harness({ alertsPerDay: 2 });
    const user = lockedUser();
    await watch.scan('1');
    relock(user.guid, new Date(LOCKED_AT.getTime() + 1000));
    await watch.scan('2');
    relock(user.guid, new Date(LOCKED_AT.getTime() + 2000));
    const summary = await watch.scan('3');
    expect(summary).toMatchObject({ capped: 1, alerted: 0 });
    expect(fakes.sms).toHaveLength(2);
    expect(fakes.pushes).toHaveLength(2);
    const third = fakes.alerts.get(`${user.guid}#${fileTime(new Date(LOCKED_AT.getTime() + 2000))}`);
    expect(third).toMatchObject({ outcome: 'capped', sms: 'not-sent', pushes: 0 });
    expect(fakes.audit.at(-1)).toMatchObject({ result: 'refused', reason: 'daily-cap' });
  });

  it('a transient failure that reached nobody releases the event and fails the job; the retry alerts once', async () => {
    const { watch, fakes, lockedUser } = harness();
    const user = lockedUser({ devices: [] });
    fakes.smsFailures.push(new DeliveryError('throttled'));
    await expect(watch.scan('1')).rejects.toBeInstanceOf(DeliveryError);
    expect(fakes.forgotten).toEqual([`lockout-alert#${user.guid}#${user.lockoutTime}`]);
    expect(fakes.metrics).toContain('LockoutScanFailed');
    await watch.scan('1');
    expect(fakes.sms).toHaveLength(1);
  });

  it('a permanent SMS failure is recorded, not retried (the push still went out)', async () => {
    const { watch, fakes, lockedUser } = harness();
    const user = lockedUser();
    fakes.smsFailures.push(new Error('invalid destination'));
    await watch.scan('1');
    await watch.scan('2');
    expect(fakes.sms).toEqual([]);
    expect(fakes.pushes).toHaveLength(1);
    expect(fakes.alerts.get(`${user.guid}#${user.lockoutTime}`)).toMatchObject({
      outcome: 'alerted',
      sms: 'failed',
      pushes: 1,
    });
  });

  it('an opt-out the SMS service reports is remembered, and the number gets nothing later', async () => {
    const { watch, fakes, relock, lockedUser } = harness();
    const user = lockedUser({ devices: [] });
    fakes.smsFailures.push(new OptedOutError('opted out'));
    await watch.scan('1');
    expect(fakes.optedOut.has(user.phone ?? '')).toBe(true);
    relock(user.guid, new Date(LOCKED_AT.getTime() + 5000));
    await watch.scan('2');
    expect(fakes.sms).toEqual([]);
    expect(fakes.alerts.get(`${user.guid}#${user.lockoutTime}`)).toMatchObject({
      outcome: 'unreachable',
      sms: 'opted-out',
    });
  });

  it('an app-only user gets the push only', async () => {
    const { watch, fakes, lockedUser } = harness();
    lockedUser({ phone: null });
    await watch.scan('1');
    expect(fakes.sms).toEqual([]);
    expect(fakes.pushes).toHaveLength(1);
  });

  it('one user failing does not stop the others; the job then fails so it is retried', async () => {
    const { watch, fakes, lockedUser } = harness();
    const broken = lockedUser();
    const fine = lockedUser();
    fakes.failEnrollmentOf = broken.guid;
    await expect(watch.scan('1')).rejects.toThrow('table unavailable');
    expect(fakes.sms.map((sms) => sms.to)).toEqual([fine.phone]);
  });

  it('a scan that cannot reach AD fails with a metric; an incomplete one alerts what it found and reports it', async () => {
    const { watch, fakes, directory, lockedUser } = harness();
    lockedUser();
    directory.down = new DirectoryUnavailableError('no domain controller answered');
    await expect(watch.scan('1')).rejects.toBeInstanceOf(DirectoryUnavailableError);
    expect(fakes.metrics).toEqual(['LockoutScanFailed']);
    directory.down = undefined;
    directory.complete = false;
    const summary = await watch.scan('2');
    expect(summary).toMatchObject({ complete: false, alerted: 1 });
    expect(fakes.metrics).toContain('LockoutScanIncomplete');
  });
});

describe('lockout watch: incremental scans and their watermarks', () => {
  const DAY_MS = 86_400_000;
  /** What a scan summary says of the first scan of a DC: full, for that reason, on that DC. */
  const firstScanOf = (dcName: string) => ({ incremental: false, fullScanReason: 'first-scan-of-dc', dc: dcName });

  it('the first scan of a DC is full and records the USN read before it; the next one asks only for changes since', async () => {
    const { watch, fakes, directory, lockedUser } = harness();
    const first = lockedUser();
    const usnBefore = directory.usn.get('invocation-a');
    const summary = await watch.scan('1');
    expect(summary).toMatchObject({ ...firstScanOf('dc-a.corp.test'), alerted: 1 });
    expect(directory.scanOptions[0]?.changedSince).toBeUndefined();
    expect(fakes.watermarks.get('invocation-a')).toMatchObject({
      highestCommittedUsn: usnBefore,
      dcName: 'dc-a.corp.test',
    });

    const second = lockedUser();
    const next = await watch.scan('2');
    expect(directory.scanOptions[1]?.changedSince).toEqual({
      dc: 'invocation-a',
      dcName: 'dc-a.corp.test',
      highestCommittedUsn: usnBefore,
    });
    expect(next).toMatchObject({ incremental: true, locked: 1, alerted: 1 });
    expect(next.fullScanReason).toBeUndefined();
    expect(fakes.sms.map((sms) => sms.to)).toEqual([first.phone, second.phone]);

    // Nothing changed since: the rescan finds nobody and sends nothing.
    const rescan = await watch.scan('3');
    expect(rescan).toMatchObject({ incremental: true, locked: 0, alerted: 0 });
    expect(fakes.sms).toHaveLength(2);
  });

  it('a lockout during a scan is caught by the next one (the watermark is the USN read before the scan)', async () => {
    const { watch, fakes, directory, lockedUser } = harness();
    await watch.scan('1');
    let during: { phone?: string } = {};
    directory.duringNextScan = () => {
      during = lockedUser();
    };
    const racing = await watch.scan('2');
    expect(racing.alerted).toBe(0);
    const next = await watch.scan('3');
    expect(next).toMatchObject({ incremental: true, alerted: 1 });
    expect(fakes.sms.map((sms) => sms.to)).toEqual([during.phone]);
  });

  it('a failover to a DC never scanned is a full scan; the first DC keeps its watermark and is incremental again after', async () => {
    const { watch, fakes, directory, lockedUser } = harness();
    lockedUser();
    await watch.scan('1');
    const onA = fakes.watermarks.get('invocation-a');

    directory.dc = { dc: 'invocation-b', dcName: 'dc-b.corp.test' };
    const onB = await watch.scan('2');
    expect(onB).toMatchObject({ ...firstScanOf('dc-b.corp.test'), locked: 1, alreadyHandled: 1 });
    expect(fakes.watermarks.get('invocation-a')).toEqual(onA);
    expect(fakes.watermarks.get('invocation-b')?.highestCommittedUsn).toBe(5001);

    // Back on A: changes made while B was in use reached A under A's own USNs, so A's watermark still covers them.
    const meanwhile = lockedUser();
    directory.dc = { dc: 'invocation-a', dcName: 'dc-a.corp.test' };
    const backOnA = await watch.scan('3');
    expect(backOnA).toMatchObject({ incremental: true, locked: 1, alerted: 1 });
    expect(fakes.sms.at(-1)?.to).toBe(meanwhile.phone);
  });

  it('a scan that lands on another DC than planned (failover in between) is full and records that DC', async () => {
    const { watch, fakes, directory } = harness();
    await watch.scan('1');
    directory.nextScanOn = { dc: 'invocation-b', dcName: 'dc-b.corp.test' };
    const summary = await watch.scan('2');
    expect(directory.scanOptions[1]?.changedSince?.dc).toBe('invocation-a');
    expect(summary).toMatchObject({ incremental: false, fullScanReason: 'dc-changed', dc: 'dc-b.corp.test' });
    expect(fakes.watermarks.get('invocation-b')).toMatchObject({ highestCommittedUsn: 5000 });
  });

  it('a DC whose USN went below its watermark (restored) gets a full scan, and the watermark is set back to it', async () => {
    const { watch, fakes, directory, clock, lockedUser } = harness();
    const user = lockedUser();
    await watch.scan('1');
    directory.usn.set('invocation-a', 400);
    clock.advanceSeconds(300);
    const summary = await watch.scan('2');
    expect(directory.scanOptions[1]?.changedSince).toBeUndefined();
    expect(summary).toMatchObject({ incremental: false, fullScanReason: 'dc-restored', locked: 1, alreadyHandled: 1 });
    expect(fakes.watermarks.get('invocation-a')?.highestCommittedUsn).toBe(400);
    expect(fakes.sms.map((sms) => sms.to)).toEqual([user.phone]);
    await expect(watch.scan('3')).resolves.toMatchObject({ incremental: true });
  });

  it('an incomplete scan (time budget) leaves the watermark; the next scan covers the same changes again', async () => {
    const { watch, fakes, directory, lockedUser } = harness();
    await watch.scan('1');
    const before = fakes.watermarks.get('invocation-a');
    const user = lockedUser();
    directory.complete = false;
    const partial = await watch.scan('2');
    expect(partial).toMatchObject({ complete: false, incremental: true });
    expect(fakes.watermarks.get('invocation-a')).toEqual(before);
    directory.complete = true;
    const next = await watch.scan('3');
    expect(directory.scanOptions[2]?.changedSince?.highestCommittedUsn).toBe(before?.highestCommittedUsn);
    expect(next).toMatchObject({ incremental: true, locked: 1, alreadyHandled: 1 });
    expect(fakes.sms.map((sms) => sms.to)).toEqual([user.phone]);
    expect(fakes.watermarks.get('invocation-a')?.highestCommittedUsn).toBeGreaterThan(
      before?.highestCommittedUsn ?? Infinity,
    );
  });

  it('a user whose handling failed keeps the watermark, so the retried job finds and alerts that user', async () => {
    const { watch, fakes, lockedUser } = harness();
    await watch.scan('1');
    const before = fakes.watermarks.get('invocation-a');
    const user = lockedUser({ devices: [] });
    fakes.smsFailures.push(new DeliveryError('throttled'));
    await expect(watch.scan('2')).rejects.toBeInstanceOf(DeliveryError);
    expect(fakes.watermarks.get('invocation-a')).toEqual(before);
    await expect(watch.scan('2')).resolves.toMatchObject({ incremental: true, alerted: 1 });
    expect(fakes.sms.map((sms) => sms.to)).toEqual([user.phone]);
  });

  it('a chain older than the maximum age ends with a full scan, which starts a new chain', async () => {
    const { watch, fakes, clock, directory } = harness({ watermarkMaxAgeSeconds: 3600 });
    await watch.scan('1');
    const fullAt = clock.now();
    clock.advanceSeconds(1800);
    await expect(watch.scan('2')).resolves.toMatchObject({ incremental: true });
    // Incremental scans move the USN but not the time of the full scan the chain started from.
    expect(fakes.watermarks.get('invocation-a')?.fullScanAt).toEqual(fullAt);
    clock.advanceSeconds(1801);
    await expect(watch.scan('3')).resolves.toMatchObject({ incremental: false, fullScanReason: 'watermark-too-old' });
    expect(directory.scanOptions[2]?.changedSince).toBeUndefined();
    expect(fakes.watermarks.get('invocation-a')?.fullScanAt).toEqual(clock.now());
    await expect(watch.scan('4')).resolves.toMatchObject({ incremental: true });
  });

  it('an idle DC (no new USN) keeps its chain fresh only through full scans; incremental scans do not renew it', async () => {
    const { watch, fakes, clock } = harness();
    await watch.scan('1');
    clock.advanceSeconds(3600);
    await watch.scan('2');
    expect(fakes.watermarks.get('invocation-a')?.recordedAt).toEqual(clock.now());
    clock.set(new Date(clock.now().getTime() + DAY_MS));
    await expect(watch.scan('3')).resolves.toMatchObject({ fullScanReason: 'watermark-too-old' });
  });

  it('maximum age 0 turns incremental scans off; a DC without USNs always gets full scans and no watermark', async () => {
    const off = harness({ watermarkMaxAgeSeconds: 0 });
    await off.watch.scan('1');
    await expect(off.watch.scan('2')).resolves.toMatchObject({ incremental: false, fullScanReason: 'incremental-off' });
    expect(off.directory.scanOptions.every((options) => options.changedSince === undefined)).toBe(true);

    const noUsn = harness();
    noUsn.directory.dc = undefined;
    await noUsn.watch.scan('1');
    await expect(noUsn.watch.scan('2')).resolves.toMatchObject({ incremental: false, fullScanReason: 'no-usn' });
    expect(noUsn.fakes.watermarks.size).toBe(0);
  });

  it('the admin listing shows each DC’s count of wrong passwords and the last one’s time; without them, still the listing', async () => {
    const { watch, directory, lockedUser } = harness();
    const user = lockedUser();
    const account = directory.locked.find((entry) => entry.objectGuid === user.guid);
    const lastAt = new Date(LOCKED_AT.getTime() - 5000);
    directory.badPasswords.set(account?.dn ?? '', [
      { dc: 'dc1.corp.test', state: 'read', count: 0 },
      { dc: 'dc2.corp.test', state: 'read', count: 5, lastAt },
      { dc: 'dc3.corp.test', state: 'unreachable', count: 0 },
    ]);
    expect((await watch.listLocked()).locked[0]?.badPasswords).toEqual([
      { dc: 'dc1.corp.test', state: 'read', count: 0, lastAt: null },
      { dc: 'dc2.corp.test', state: 'read', count: 5, lastAt: lastAt.toISOString() },
      { dc: 'dc3.corp.test', state: 'unreachable', count: 0, lastAt: null },
    ]);

    directory.badPasswordsFailure = new DirectoryUnavailableError('no DC answered');
    const listed = await watch.listLocked();
    expect(listed.locked).toEqual([expect.objectContaining({ userGuid: user.guid, badPasswords: [] })]);
  });

  it('names the DC and time of the latest wrong password in the SMS only when the admin turned that on', async () => {
    const latest = new Date(LOCKED_AT.getTime() - 60_000);
    const counts = (directory: FakeDirectory, guid: string) => {
      const dn = directory.locked.find((entry) => entry.objectGuid === guid)?.dn ?? '';
      directory.badPasswords.set(dn, [
        { dc: 'dc1.corp.test', state: 'read', count: 1, lastAt: new Date(LOCKED_AT.getTime() - 3_600_000) },
        { dc: 'dc2.corp.test', state: 'read', count: 3, lastAt: latest },
        { dc: 'dc3.corp.test', state: 'unreachable', count: 0 },
      ]);
    };
    const on = harness({ showBadPasswordDc: true, timeZone: 'Europe/Berlin' });
    counts(on.directory, on.lockedUser().guid);
    await on.watch.scan('1');
    expect(on.fakes.sms.map((sms) => sms.body)).toEqual([
      `Blink: your Windows account was locked at ${lockoutClockTime(LOCKED_AT, 'Europe/Berlin')} CET. The wrong passwords were tried on dc2.corp.test at ` +
        `${lockoutClockTime(latest, 'Europe/Berlin')} CET. Reply UNLOCK to unlock it or RESET for a new password.`,
    ]);

    const off = harness();
    counts(off.directory, off.lockedUser().guid);
    await off.watch.scan('1');
    expect(off.fakes.sms[0]?.body).not.toContain('wrong passwords');

    // DCs that cannot be asked: the alert goes without the detail.
    const failing = harness({ showBadPasswordDc: true });
    failing.lockedUser();
    failing.directory.badPasswordsFailure = new DirectoryUnavailableError('no DC answered');
    await failing.watch.scan('1');
    expect(failing.fakes.sms).toHaveLength(1);
    expect(failing.fakes.sms[0]?.body).not.toContain('wrong passwords');
  });

  it('puts which DC saw the wrong passwords, and when, in the alert’s audit record, whether or not the SMS says it', async () => {
    const latest = new Date(LOCKED_AT.getTime() - 60_000);
    const { watch, fakes, directory, lockedUser } = harness();
    const user = lockedUser();
    const dn = directory.locked.find((entry) => entry.objectGuid === user.guid)?.dn ?? '';
    // In the directory's discovery order, which varies: the record lists them by name.
    directory.badPasswords.set(dn, [
      { dc: 'dc3.corp.test', state: 'unreachable', count: 0 },
      { dc: 'dc2.corp.test', state: 'read', count: 3, lastAt: latest },
      { dc: 'dc1.corp.test', state: 'read', count: 0, lastAt: new Date(LOCKED_AT.getTime() - 86_400_000) },
    ]);
    await watch.scan('job-1');
    expect(fakes.sms[0]?.body).not.toContain('wrong passwords');
    expect(fakes.audit).toEqual([
      expect.objectContaining({
        action: 'lockout-alert',
        result: 'success',
        reason: `sms sent, 1 push(es); wrong passwords: dc1.corp.test=0 dc2.corp.test=3@${latest.toISOString()} dc3.corp.test=unreachable`,
      }),
    ]);

    // DCs that cannot be asked: the record says what was sent, without the detail.
    const failing = harness();
    failing.lockedUser();
    failing.directory.badPasswordsFailure = new DirectoryUnavailableError('no DC answered');
    await failing.watch.scan('1');
    expect(failing.fakes.audit).toEqual([expect.objectContaining({ reason: 'sms sent, 1 push(es)' })]);
  });

  it('the admin listing is always a full scan, whatever the watermark', async () => {
    const { watch, directory, lockedUser } = harness();
    const user = lockedUser();
    await watch.scan('1');
    await watch.scan('2');
    const listed = await watch.listLocked();
    expect(directory.scanOptions.at(-1)?.changedSince).toBeUndefined();
    expect(listed.locked.map((entry) => entry.userGuid)).toEqual([user.guid]);
  });

  it('a watermark that cannot be written is logged; the scan still succeeds and the next one starts from the old watermark', async () => {
    const { watch, fakes, directory, lockedUser } = harness();
    await watch.scan('1');
    const before = fakes.watermarks.get('invocation-a');
    lockedUser();
    fakes.failWatermarkWrite = true;
    await expect(watch.scan('2')).resolves.toMatchObject({ alerted: 1 });
    fakes.failWatermarkWrite = false;
    await watch.scan('3');
    expect(directory.scanOptions[2]?.changedSince?.highestCommittedUsn).toBe(before?.highestCommittedUsn);
  });
});

describe('worker admin entry: locked', () => {
  captureLogsOfEachTest();

  const activation = {
    resolve: async () => ({ candidates: [], skipped: [], total: 0 }),
    activate: async () => ({ activated: [], skipped: [] }),
  };

  it('answers with the listing of the lockout watch', async () => {
    const { watch, lockedUser } = harness();
    const user = lockedUser();
    await watch.scan('1');
    const handler = createDirectoryWorkerAdminHandler({
      observability: testObservability('worker-admin-test'),
      activation,
      lockout: watch,
    });
    const reply = await handler({ admin: { action: 'locked' } }, lambdaContext());
    expect(reply).toEqual({
      ok: true,
      result: {
        complete: true,
        locked: [
          expect.objectContaining({
            userGuid: user.guid,
            lockedAt: LOCKED_AT.toISOString(),
            lockoutEndsAt: new Date(LOCKED_AT.getTime() + 1_800_000).toISOString(),
            alert: expect.objectContaining({ outcome: 'alerted', sms: 'sent', pushes: 1 }),
          }),
        ],
      },
    });
  });

  it('without a lockout watch the action is refused by name', async () => {
    const handler = createDirectoryWorkerAdminHandler({
      observability: testObservability('worker-admin-test'),
      activation,
    });
    await expect(handler({ admin: { action: 'locked' } }, lambdaContext())).resolves.toMatchObject({
      ok: false,
      error: { code: 'NOT_AVAILABLE' },
    });
  });
});

describe('lockoutAlert settings', () => {
  it('default to UTC, 5 alerts a day, no DC named, mass lockouts over 50 or 5 % at 3 SMS a second for 60 minutes', () => {
    expect(parseEnv(['lockoutAlert'], {})).toEqual({
      LOCKOUT_ALERT_TIME_ZONE: 'UTC',
      LOCKOUT_ALERTS_PER_DAY: 5,
      LOCKOUT_ALERT_SHOW_DC: false,
      MASS_LOCKOUT_THRESHOLD: 50,
      MASS_LOCKOUT_THRESHOLD_PERCENT: 5,
      SMS_SENDS_PER_SECOND: 3,
      MASS_LOCKOUT_EVENT_MINUTES: 60,
    });
    expect(() => parseEnv(['lockoutAlert'], { SMS_SENDS_PER_SECOND: '0' })).toThrow(ConfigurationError);
    expect(() => parseEnv(['lockoutAlert'], { MASS_LOCKOUT_THRESHOLD_PERCENT: '101' })).toThrow(ConfigurationError);
    expect(parseEnv(['lockoutAlert'], { LOCKOUT_ALERT_SHOW_DC: 'true' }).LOCKOUT_ALERT_SHOW_DC).toBe(true);
    expect(parseEnv(['lockoutAlert'], { LOCKOUT_ALERT_TIME_ZONE: 'Europe/Berlin' }).LOCKOUT_ALERT_TIME_ZONE).toBe(
      'Europe/Berlin',
    );
    expect(() => parseEnv(['lockoutAlert'], { LOCKOUT_ALERT_TIME_ZONE: 'Mars/Olympus' })).toThrow(ConfigurationError);
  });
});

describe('lockout alerts by Web Push', () => {
  /** The Web Push port in memory (the library adapter is tested against the loopback push service). */
  const webPushFakes = () => {
    const sent: OutboundWebPush[] = [];
    const failures: Error[] = [];
    const removed: Array<{ deviceId: string; endpoint: string | undefined }> = [];
    return {
      sent,
      failures,
      removed,
      port: {
        sender: {
          send: async (push: OutboundWebPush) => {
            const failure = failures.shift();
            if (failure) throw failure;
            sent.push(push);
          },
        },
        subscriptions: {
          saveWebPush: async () => true,
          removeWebPush: async (deviceId: string, endpoint?: string) => void removed.push({ deviceId, endpoint }),
        },
      },
    };
  };
  const subscription = () => ({
    endpoint: `https://fcm.googleapis.com/fcm/send/${randomUUID()}`,
    keys: { p256dh: 'BP', auth: 'au' },
  });

  it('sends the lockout notification to each active device with a subscription, beside the mobile push', async () => {
    const web = webPushFakes();
    const { fakes, watch, lockedUser } = harness({}, web.port);
    const app = subscription();
    const { guid } = lockedUser({
      devices: [{ webPush: app, pushToken: undefined }, {}, { webPush: subscription(), revokedAt: LOCKED_AT }],
    });

    await watch.scan(randomUUID());

    expect(web.sent).toEqual([
      {
        deviceId: expect.any(String),
        subscription: app,
        notification: lockoutAlertWebPush('Blink', LOCKED_AT, 'UTC'),
        ttlSeconds: 43_200,
        topic: 'lockout',
      },
    ]);
    expect(web.sent[0]?.notification).toMatchObject({
      data: { kind: 'lockout', url: '/app/?action=unlock' },
      actions: [
        { action: 'unlock', title: 'Unlock' },
        { action: 'reset', title: 'Reset password' },
      ],
    });
    expect(fakes.pushes).toHaveLength(1);
    expect([...fakes.alerts.values()]).toEqual([
      expect.objectContaining({ userGuid: guid, outcome: 'alerted', pushes: 2 }),
    ]);
  });

  it('a transient Web Push failure that reached nobody fails the job and releases the event; the retry alerts once', async () => {
    const web = webPushFakes();
    const { fakes, watch, lockedUser } = harness({}, web.port);
    lockedUser({ phone: null, devices: [{ webPush: subscription(), pushToken: undefined }] });
    web.failures.push(new DeliveryError('push service answered 503'));

    await expect(watch.scan(randomUUID())).rejects.toBeInstanceOf(DeliveryError);
    expect(fakes.onceKeys.size).toBe(0);
    await watch.scan(randomUUID());
    expect(web.sent).toHaveLength(1);
    expect([...fakes.alerts.values()]).toEqual([expect.objectContaining({ outcome: 'alerted', pushes: 1 })]);
  });

  it('a subscription the push service calls gone is removed (that endpoint only) and not retried', async () => {
    const web = webPushFakes();
    const { fakes, watch, lockedUser } = harness({}, web.port);
    const gone = subscription();
    lockedUser({ phone: null, devices: [{ webPush: gone, pushToken: undefined }] });
    web.failures.push(new PushSubscriptionGoneError('410'));

    await expect(watch.scan(randomUUID())).resolves.toMatchObject({ unreachable: 1 });
    const [device] = fakes.devices;
    expect(web.removed).toEqual([{ deviceId: device?.deviceId, endpoint: gone.endpoint }]);
    expect([...fakes.alerts.values()]).toEqual([expect.objectContaining({ outcome: 'unreachable', pushes: 0 })]);
  });
});

/** The mass-lockout ports in memory: the event record, the SMS schedule, the queue (with its delays), the admins. */
function massLockoutFakes(options: { absolute?: number; percent?: number; enrolled?: number } = {}) {
  const queued: Array<{ job: DirectoryJob; delaySeconds: number }> = [];
  const adminAlerts: Array<{ subject: string; message: string }> = [];
  let event: MassLockoutEvent | undefined;
  let nextFree = 0;
  const dependencies: MassLockoutDependencies = {
    events: {
      activeAt: async (at) => (event && event.endsAt.getTime() > at.getTime() ? event : undefined),
      startOrExtend: async (now, endsAt, lockouts) => {
        const running = event && event.endsAt.getTime() > now.getTime();
        event =
          running && event
            ? { ...event, endsAt, lockouts: event.lockouts + lockouts }
            : { startedAt: now, endsAt, lockouts };
        return !running;
      },
    },
    pacer: {
      reserve: async (seconds, now) => {
        const start = Math.max(now.getTime(), nextFree);
        nextFree = start + seconds * 1000;
        return new Date(start);
      },
    },
    jobQueue: {
      enqueue: async (job, queueOptions) => void queued.push({ job, delaySeconds: queueOptions?.delaySeconds ?? 0 }),
    },
    adminAlerts: { alert: async (alert) => void adminAlerts.push(alert) },
    enrolledCount: async () => options.enrolled ?? 1000,
  };
  const settings: MassLockoutSettings = {
    thresholds: { absolute: options.absolute ?? 3, percent: options.percent ?? 0 },
    smsPerSecond: 2,
    eventMinutes: 60,
  };
  return { dependencies, settings, queued, adminAlerts, event: () => event };
}

describe('mass lockouts (use case)', () => {
  it('over the threshold: admins told first, alerts queued in paced batches, nothing sent by the scan', async () => {
    const mass = massLockoutFakes({ absolute: 3 });
    const { watch, fakes, lockedUser, clock } = harness({}, undefined, mass);
    const users = [1, 2, 3, 4, 5].map(() => lockedUser());

    const summary = await watch.scan('scan-1');

    expect(mass.adminAlerts).toEqual([expect.objectContaining({ subject: 'Blink: mass lockout, 5 accounts locked' })]);
    expect(fakes.metrics).toContain('MassLockoutDetected');
    expect(summary).toMatchObject({ queued: 5, alerted: 0, massLockoutStarted: true });
    expect(fakes.sms).toEqual([]);
    // 2 a second: delays 0, 0, 1, 1, 2; each job's notBefore is its slot.
    expect(mass.queued.map((entry) => entry.delaySeconds)).toEqual([0, 0, 1, 1, 2]);
    const start = clock.now().getTime();
    expect(
      mass.queued.map((entry) => entry.job.kind === 'lockout-alert' && Date.parse(entry.job.notBefore) - start),
    ).toEqual([0, 0, 1000, 1000, 2000]);
    expect(new Set(mass.queued.map((entry) => entry.job.kind === 'lockout-alert' && entry.job.userGuid))).toEqual(
      new Set(users.map((user) => user.guid)),
    );
    expect(mass.event()).toMatchObject({ lockouts: 5 });
  });

  it('each queued alert sends once (redelivery and duplicates too), with the event wording and no Unlock invitation', async () => {
    const mass = massLockoutFakes({ absolute: 1 });
    const { watch, fakes, lockedUser } = harness({}, undefined, mass);
    const user = lockedUser();
    lockedUser();
    await watch.scan('scan-1');
    const first = mass.queued[0]?.job;
    if (first?.kind !== 'lockout-alert') throw new Error('no alert queued');

    expect(await watch.sendQueuedAlert(first)).toBe('alerted');
    expect(await watch.sendQueuedAlert(first)).toBe('already-sent');
    expect(fakes.sms.filter((sms) => sms.to === user.phone)).toEqual([
      {
        to: user.phone,
        body: 'Blink: your Windows account was locked at 10:42 UTC. Many accounts were locked at once and IT has been told. No need to reply.',
      },
    ]);
    expect(fakes.sms[0]?.body).not.toMatch(/UNLOCK/);
    expect(fakes.pushes[0]?.body).toContain('IT has been told');
    expect([...fakes.alerts.values()][0]).toMatchObject({
      outcome: 'alerted',
      scheduledFor: new Date(first.notBefore),
    });
  });

  it('a job delivered before its slot goes back on the queue; a failed send is released for the retry', async () => {
    const mass = massLockoutFakes({ absolute: 1 });
    const { watch, fakes, lockedUser, clock } = harness({}, undefined, mass);
    lockedUser();
    lockedUser();
    await watch.scan('scan-1');
    const second = mass.queued[1]?.job;
    if (second?.kind !== 'lockout-alert') throw new Error('no alert queued');
    // 2 a second puts both in the first second; move the slot later to play an early delivery.
    const late = { ...second, notBefore: new Date(clock.now().getTime() + 1200_000).toISOString() };
    expect(await watch.sendQueuedAlert(late)).toBe('requeued');
    expect(mass.queued.at(-1)).toEqual({ job: late, delaySeconds: 900 });
    expect(fakes.sms).toEqual([]);

    fakes.smsFailures.push(new DeliveryError('SMS service down'));
    fakes.pushFailures.push(new DeliveryError('push service down'));
    await expect(watch.sendQueuedAlert(second)).rejects.toBeInstanceOf(DeliveryError);
    expect(await watch.sendQueuedAlert(second)).toBe('alerted');
    expect(fakes.sms).toHaveLength(1);
  });

  it('at or under the threshold the alerts go at once, as before', async () => {
    const mass = massLockoutFakes({ absolute: 3 });
    const { watch, fakes, lockedUser } = harness({}, undefined, mass);
    [1, 2, 3].forEach(() => lockedUser());
    await expect(watch.scan('scan-1')).resolves.toMatchObject({ alerted: 3, queued: 0, massLockoutStarted: false });
    expect(mass.adminAlerts).toEqual([]);
    expect(fakes.sms).toHaveLength(3);
  });

  it('during a running event later lockouts are paced after the first run, and admins are not told again', async () => {
    const mass = massLockoutFakes({ absolute: 3 });
    const { watch, lockedUser, clock } = harness({}, undefined, mass);
    [1, 2, 3, 4].forEach(() => lockedUser());
    await watch.scan('scan-1');
    lockedUser();
    await expect(watch.scan('scan-2')).resolves.toMatchObject({ queued: 1, massLockoutStarted: false });
    expect(mass.adminAlerts).toHaveLength(1);
    // The first run took seconds 0 and 1 (2 a second); the next starts after it.
    const last = mass.queued.at(-1)?.job;
    expect(last?.kind === 'lockout-alert' && Date.parse(last.notBefore) - clock.now().getTime()).toBe(2000);
  });

  it('admins not reachable: the scan fails and releases every lockout it claimed, so the retry finds them again', async () => {
    const mass = massLockoutFakes({ absolute: 1 });
    mass.dependencies.adminAlerts.alert = async () => {
      throw new DeliveryError('SNS down');
    };
    const { watch, fakes, lockedUser } = harness({}, undefined, mass);
    lockedUser();
    lockedUser();
    await expect(watch.scan('scan-1')).rejects.toBeInstanceOf(DeliveryError);
    expect(fakes.onceKeys.size).toBe(0);
    expect(mass.queued).toEqual([]);
    expect(fakes.sms).toEqual([]);
  });
});
