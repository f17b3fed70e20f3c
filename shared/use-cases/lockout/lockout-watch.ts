import { randomUUID } from 'node:crypto';
import type { Logger } from '../../ports/logger.js';
import type { Enrollment } from '../../domain/enrollment.js';
import { DeliveryError, DomainError, OptedOutError } from '../../domain/errors.js';
import type { AuditLog } from '../../ports/audit-log.js';
import type { Clock } from '../../ports/clock.js';
import type { DeviceStore } from '../../ports/device-store.js';
import type {
  BadPasswordsOnDc,
  ChangeWatermark,
  Directory,
  LockedAccount,
  LockoutScanOptions,
  PasswordPolicy,
  PolicySource,
} from '../../ports/directory.js';
import type { EnrollmentStore } from '../../ports/enrollment-store.js';
import type {
  LockedNowList,
  LockoutAlertLog,
  LockoutAlertRecord,
  LockoutSmsOutcome,
} from '../../ports/lockout-alert-log.js';
import type { OnceKeys } from '../../ports/once-keys.js';
import type { OptOutList } from '../../ports/opt-out-list.js';
import type { PushSender } from '../../ports/push-sender.js';
import type { RateLimiter } from '../../ports/rate-limiter.js';
import type { ScanWatermarkStore } from '../../ports/scan-watermark-store.js';
import type { SmsSender } from '../../ports/sms-sender.js';
import type { WebPushSender } from '../../ports/web-push-sender.js';
import type { WebPushSubscriptions } from '../../ports/web-push-subscriptions.js';
import type { LockedResult, LockedUser } from '../../domain/lockout-listing-contract.js';
import type { DirectoryJob } from '../../domain/directory-job.js';
import { isMassLockout, type MassLockoutThresholds } from '../../domain/mass-lockout.js';
import type { OperatorAlerts } from '../../ports/operator-alerts.js';
import type { JobQueue } from '../../ports/job-queue.js';
import type { MassLockoutEvents } from '../../ports/mass-lockout-events.js';
import type { SendPacer } from '../../ports/send-pacer.js';
import { pacedRunSeconds, pacedSendTime, pushToDevices, queueDelayFor, requeueIfEarly } from '../messaging/index.js';
import {
  lockoutAlertPush,
  lockoutAlertSms,
  lockoutAlertWebPush,
  massLockoutAdminAlert,
  massLockoutAlertPush,
  massLockoutAlertSms,
  type BadPasswordsSeen,
} from './messages.js';

/** The metric sink the watch reports to: Powertools Metrics fits. */
export interface LockoutMetrics {
  addMetric(name: string, unit: 'Count', value: number): void;
}

export interface LockoutWatchSettings {
  scan: Omit<LockoutScanOptions, 'changedSince'>;
  /**
   * Incremental scans build on the last full scan of the DC for at most this long; then a full scan starts a new
   * chain. 0: every scan is a full one.
   */
  watermarkMaxAgeSeconds: number;
  /** IANA zone of the time in the alert text. */
  timeZone: string;
  alertsPerDay: number;
  productName: string;
  /** LOCKOUT_ALERT_SHOW_DC: the SMS alert names the DC that saw the latest wrong password, and when. */
  showBadPasswordDc?: boolean;
  /** Mass lockouts (MASS_LOCKOUT_*): when a scan's new lockouts make one, and how fast its alerts go out. */
  massLockout?: MassLockoutSettings;
}

export interface MassLockoutSettings {
  thresholds: MassLockoutThresholds;
  /** Alerts a second during an event: the SMS numbers' throughput (3 for a toll-free number). */
  smsPerSecond: number;
  /** An event lasts this long after the last scan that found a mass lockout. */
  eventMinutes: number;
}

/** What mass-lockout handling needs besides the watch's own dependencies; without it every alert is sent at once. */
export interface MassLockoutDependencies {
  events: MassLockoutEvents;
  pacer: SendPacer;
  jobQueue: JobQueue;
  adminAlerts: OperatorAlerts;
  /** Users with an enrollment, for the percentage threshold. */
  enrolledCount: () => Promise<number>;
}

export interface LockoutWatchDependencies {
  directory: Directory;
  enrollmentStore: EnrollmentStore;
  deviceStore: DeviceStore;
  onceKeys: OnceKeys;
  optOutList: OptOutList;
  smsSender: SmsSender;
  pushSender: PushSender;
  /** Web Push to the installed web app's subscriptions (absent: only mobile pushes and SMS). */
  webPush?: { sender: WebPushSender; subscriptions: WebPushSubscriptions };
  rateLimiter: RateLimiter;
  auditLog: AuditLog;
  alertLog: LockoutAlertLog;
  /** The portal's locked-now list, brought in line with AD by each complete full scan (absent: not kept). */
  lockedNowList?: LockedNowList;
  scanWatermarks: ScanWatermarkStore;
  clock: Clock;
  logger: Logger;
  metrics: LockoutMetrics;
  settings: LockoutWatchSettings;
  massLockout?: MassLockoutDependencies;
}

/** What one scan found and did; logged by the worker. */
export interface LockoutScanSummary {
  pages: number;
  complete: boolean;
  /** Only users changed since the DC's watermark were searched. */
  incremental: boolean;
  /** Why the scan was a full one. */
  fullScanReason?: FullScanReason;
  /** The DC scanned (its name), when it publishes USNs. */
  dc?: string;
  /** Accounts AD reports locked right now (enrolled or not). */
  locked: number;
  alerted: number;
  capped: number;
  unreachable: number;
  /** Lockout events alerted by an earlier scan. */
  alreadyHandled: number;
  /** Locked accounts without an active enrollment. */
  unenrolled: number;
  /** Lockouts whose duration had run out by the scan's clock. */
  expired: number;
  /** Alerts queued to be sent at their paced time (a mass-lockout event). */
  queued: number;
  /** This scan started a mass-lockout event (the admins were told). */
  massLockoutStarted: boolean;
}

/**
 * Why a scan searches all users: incremental scans off (max age 0), a DC without USNs (the demo directory), the first
 * scan of this DC (a new DC or a failover to one never scanned), its USN below the watermark (restored), the last
 * full scan too long ago, or the scan ran on another DC than the one planned for (failover during the scan).
 */
export type FullScanReason =
  'incremental-off' | 'no-usn' | 'first-scan-of-dc' | 'dc-restored' | 'watermark-too-old' | 'dc-changed';

type Disposition = 'alerted' | 'capped' | 'unreachable' | 'already-handled' | 'unenrolled' | 'expired';
/** A lockout event this scan claimed: its alert is now this scan's to send (or queue). */
interface ClaimedLockout {
  account: LockedAccount;
  enrollment: Enrollment;
  keepUntil: Date;
  key: string;
  /** When the lockout ends by itself; undefined when only an unlock ends it. */
  endsAt: Date | undefined;
}
type Assessment =
  { skip: 'unenrolled' | 'expired' } | { skip: false; enrollment: Enrollment; endsAt: Date | undefined };

const DAY_SECONDS = 86_400;
/** How long the key of an alerted event is kept after the lockout ends by itself. */
const KEEP_AFTER_LOCKOUT_ENDS_MS = 7 * DAY_SECONDS * 1000;
/** A lockout that only an admin ends can last long; its key is kept this long (then one reminder at most). */
const KEEP_UNENDING_LOCKOUT_MS = 365 * DAY_SECONDS * 1000;
/** How long a push service keeps a lockout Web Push for a phone that is offline: the alert is stale after that. */
const WEB_PUSH_TTL_SECONDS = 12 * 3600;
/** Users handled at once: bounds the load on the table and the DCs. */
const CONCURRENCY = 5;

export const lockoutAlertKey = (userGuid: string, lockoutTime: string) => `lockout-alert#${userGuid}#${lockoutTime}`;

/**
 * Marks that an over-limit refusal was answered since the user's last lockout alert SMS (OnceKeys, recorded by the
 * inbound SMS use case on each refusal). Each alert that was sent forgets it, so the reply the alert asks for
 * ("Reply UNLOCK") is answered even when the limit notice of that hour went out before the lockout.
 */
export const lockoutAlertAnswerKey = (userGuid: string) => `lockout-alert-answered#${userGuid}`;

/**
 * The lockout watch. A scan asks AD for the accounts locked right now (a paged search; after a complete scan
 * of a DC, only over the users changed since that scan started: see planScan), keeps those with an active enrollment
 * whose lockout has not run out under their effective policy, and tells each user once per lockout event: an SMS to
 * the verified phone and a push to each bound device. The event's key `lockout-alert#<userGuid>#<lockoutTime>` is
 * recorded with a conditional write before anything is sent, so re-running a scan (or two scans at once) sends nothing
 * twice.
 */
export function createLockoutWatch(deps: LockoutWatchDependencies) {
  const { settings } = deps;

  /**
   * Incremental when this DC has a watermark from a completed scan, its USN has not gone back, and its last full scan
   * is recent enough. A lockout writes lockoutTime (replicated) so the user's uSNChanged moves above the watermark:
   * an incremental scan sees every lockout since the last scan started, on whichever DC it happened.
   */
  const planScan = async (now: Date): Promise<{ changedSince?: ChangeWatermark; fullScanReason?: FullScanReason }> => {
    if (settings.watermarkMaxAgeSeconds === 0) return { fullScanReason: 'incremental-off' };
    const current = await deps.directory.readChangeWatermark();
    if (!current) return { fullScanReason: 'no-usn' };
    const stored = await deps.scanWatermarks.get(current.dc);
    if (!stored) return { fullScanReason: 'first-scan-of-dc' };
    if (current.highestCommittedUsn < stored.highestCommittedUsn) return { fullScanReason: 'dc-restored' };
    if (now.getTime() - stored.fullScanAt.getTime() > settings.watermarkMaxAgeSeconds * 1000)
      return { fullScanReason: 'watermark-too-old' };
    return { changedSince: { dc: stored.dc, dcName: stored.dcName, highestCommittedUsn: stored.highestCommittedUsn } };
  };

  /** When the lockout ends by itself; undefined when only an unlock ends it (lockout duration 0). */
  const lockoutEndOf = async (account: LockedAccount, policies: PolicyReader): Promise<Date | undefined> => {
    const policy = await policies(account.policySource);
    if (policy.lockoutDurationSeconds === 0) return undefined;
    return new Date(account.lockedAt.getTime() + policy.lockoutDurationSeconds * 1000);
  };

  /** The active enrollment and the lockout's end, or why the account is not the watch's business now. */
  const assess = async (account: LockedAccount, now: Date, policies: PolicyReader): Promise<Assessment> => {
    const enrollment = await deps.enrollmentStore.get(account.objectGuid);
    if (enrollment?.status !== 'active') return { skip: 'unenrolled' };
    const endsAt = await lockoutEndOf(account, policies);
    if (endsAt && endsAt.getTime() <= now.getTime()) return { skip: 'expired' };
    return { skip: false, enrollment, endsAt };
  };

  /**
   * Which DC saw the wrong passwords and when (badPwdCount is per DC): the alert's detail for admins, and the SMS's
   * sentence when the admin turned that on. Empty when the DCs cannot be asked: the alert matters more than its detail.
   */
  const badPasswordsOnEachDc = async (account: { dn: string }): Promise<BadPasswordsOnDc[]> => {
    try {
      return await deps.directory.readBadPasswords(account);
    } catch (error) {
      deps.logger.warn('reading the DCs’ bad password counts failed', { error: describe(error) });
      return [];
    }
  };

  /** The SMS outcome, and whether a failure is worth another try (a transient error of the SMS service). */

  const sendSms = async (
    enrollment: Enrollment,
    lockedAt: Date,
    now: Date,
    wording: { triedOn?: BadPasswordsSeen | undefined; massLockout: boolean },
  ): Promise<{ outcome: LockoutSmsOutcome; transient: boolean }> => {
    const phone = enrollment.methods.sms ? enrollment.phoneE164 : undefined;
    if (!phone) return { outcome: 'no-phone', transient: false };
    if (await deps.optOutList.isOptedOut(phone)) return { outcome: 'opted-out', transient: false };
    try {
      // From the number the user saved at setup, so the alert (and the reply to it) stays in the thread they know.
      const from = enrollment.senderNumber;
      const body = wording.massLockout
        ? massLockoutAlertSms(settings.productName, lockedAt, settings.timeZone)
        : lockoutAlertSms(settings.productName, lockedAt, settings.timeZone, wording.triedOn);
      await deps.smsSender.send({ to: phone, body, ...(from ? { from } : {}) });
      return { outcome: 'sent', transient: false };
    } catch (error) {
      if (error instanceof OptedOutError) {
        // The carrier's opt-out list knew before ours did: remember it, so nothing is sent there again.
        await deps.optOutList.optOut(phone, now);
        return { outcome: 'opted-out', transient: false };
      }
      deps.logger.warn('lockout alert SMS failed', { userGuid: enrollment.userGuid, error: describe(error) });
      return { outcome: 'failed', transient: error instanceof DomainError && error.retryable };
    }
  };

  /** Pushes accepted (mobile and Web Push), and whether a failed one is worth another try. */
  const sendPushes = (userGuid: string, lockedAt: Date, massLockout: boolean) => {
    const { title, body } = (massLockout ? massLockoutAlertPush : lockoutAlertPush)(
      settings.productName,
      lockedAt,
      settings.timeZone,
    );
    return pushToDevices(deps, userGuid, {
      mobile: { title, body, data: { kind: 'lockout', lockedAt: lockedAt.toISOString() } },
      web: massLockout
        ? // No Unlock action during a mass lockout: tapping opens the app's home.
          { title, body, data: { kind: 'lockout', url: '/app/' }, actions: [] }
        : lockoutAlertWebPush(settings.productName, lockedAt, settings.timeZone),
      webTtlSeconds: WEB_PUSH_TTL_SECONDS,
      webTopic: 'lockout',
    });
  };

  const claim = async (
    account: LockedAccount,
    policies: PolicyReader,
  ): Promise<ClaimedLockout | 'already-handled' | 'unenrolled' | 'expired'> => {
    const now = deps.clock.now();
    const assessed = await assess(account, now, policies);
    if (assessed.skip) return assessed.skip;
    const { enrollment, endsAt } = assessed;
    const keepUntil = endsAt
      ? new Date(Math.max(endsAt.getTime(), now.getTime()) + KEEP_AFTER_LOCKOUT_ENDS_MS)
      : new Date(now.getTime() + KEEP_UNENDING_LOCKOUT_MS);

    // Claimed before anything is sent: of two scans that see the same event, exactly one alerts.
    const key = lockoutAlertKey(enrollment.userGuid, account.lockoutTime);
    if (!(await deps.onceKeys.recordFirst(key, keepUntil))) return 'already-handled';
    return { account, enrollment, keepUntil, key, endsAt };
  };

  const alertNow = async (claimed: ClaimedLockout, jobId: string): Promise<Disposition> => {
    try {
      return await alert(claimed.enrollment, claimed.account, {
        now: deps.clock.now(),
        keepUntil: claimed.keepUntil,
        jobId,
        endsAt: claimed.endsAt,
      });
    } catch (error) {
      // Nothing reached the user: the event is released, so the retried job (or the next scan) alerts it.
      await deps.onceKeys.forget(claimed.key);
      throw error;
    }
  };

  /**
   * The mass-lockout event this scan's alerts belong to, if any: a running one, or one these new lockouts start.
   * A new event tells the admins first (before any user alert is queued); a failure to tell them fails the scan.
   */
  const massLockoutEvent = async (newLockouts: number, now: Date): Promise<'started' | 'running' | undefined> => {
    const mass = deps.massLockout;
    const massSettings = settings.massLockout;
    if (!mass || !massSettings || newLockouts === 0) return undefined;
    const running = await mass.events.activeAt(now);
    if (!(await isMassLockout(newLockouts, massSettings.thresholds, mass.enrolledCount))) {
      return running ? 'running' : undefined;
    }
    const endsAt = new Date(now.getTime() + massSettings.eventMinutes * 60_000);
    deps.metrics.addMetric('MassLockoutDetected', 'Count', 1);
    if (!running) {
      await mass.adminAlerts.alert(
        massLockoutAdminAlert(settings.productName, {
          newLockouts,
          at: now,
          timeZone: settings.timeZone,
          endsAt,
          smsPerSecond: massSettings.smsPerSecond,
        }),
      );
    }
    const started = await mass.events.startOrExtend(now, endsAt, newLockouts);
    deps.logger.warn('mass lockout', { newLockouts, started, endsAt: endsAt.toISOString() });
    return started ? 'started' : 'running';
  };

  /**
   * Queues the alerts of a mass-lockout event, paced: a run of the SMS numbers' schedule is reserved, and each alert
   * is a job the queue holds back until its second in that run. The scan only enqueues, so it stays in its budget.
   */
  const queueAlerts = async (claimed: ClaimedLockout[], failures: unknown[]): Promise<number> => {
    const mass = deps.massLockout;
    const perSecond = settings.massLockout?.smsPerSecond;
    if (!mass || !perSecond) throw new Error('mass lockout handling is not configured');
    const now = deps.clock.now();
    const start = await mass.pacer.reserve(pacedRunSeconds(claimed.length, perSecond), now);
    let queued = 0;
    await forEachLimited(
      claimed.map((entry, index) => ({ entry, sendAt: pacedSendTime(start, index, perSecond) })),
      CONCURRENCY,
      async ({ entry, sendAt }) => {
        const job: DirectoryJob = {
          kind: 'lockout-alert',
          jobId: randomUUID(),
          requestedAt: now.toISOString(),
          userGuid: entry.enrollment.userGuid,
          lockoutTime: entry.account.lockoutTime,
          lockedAt: entry.account.lockedAt.toISOString(),
          notBefore: sendAt.toISOString(),
          keepUntil: entry.keepUntil.toISOString(),
          ...(entry.endsAt ? { lockoutEndsAt: entry.endsAt.toISOString() } : {}),
        };
        try {
          await mass.jobQueue.enqueue(job, { delaySeconds: queueDelayFor(sendAt, deps.clock.now()) });
          queued += 1;
        } catch (error) {
          // Not queued: the event is released, so the retried scan queues it.
          await deps.onceKeys.forget(entry.key);
          failures.push(error);
          deps.logger.error('lockout alert not queued', { userGuid: job.userGuid, error: describe(error) });
        }
      },
    );
    return queued;
  };

  const alert = async (
    enrollment: Enrollment,
    account: Pick<LockedAccount, 'objectGuid' | 'dn' | 'lockoutTime' | 'lockedAt'>,
    context: { now: Date; keepUntil: Date; jobId: string; endsAt: Date | undefined; scheduledFor?: Date },
  ): Promise<'alerted' | 'capped' | 'unreachable'> => {
    const { now, keepUntil, jobId, scheduledFor } = context;
    const massLockout = scheduledFor !== undefined;
    const userGuid = enrollment.userGuid;
    const base = {
      userGuid,
      lockoutTime: account.lockoutTime,
      lockedAt: account.lockedAt,
      handledAt: now,
      ...(context.endsAt ? { lockoutEndsAt: context.endsAt } : {}),
      ...(scheduledFor ? { scheduledFor } : {}),
    };
    const cap = await deps.rateLimiter.hit(`lockout-alert#${userGuid}`, settings.alertsPerDay, DAY_SECONDS);
    const badPasswords = await badPasswordsOnEachDc(account);
    let record: LockoutAlertRecord;
    if (!cap.allowed) {
      record = { ...base, outcome: 'capped', sms: 'not-sent', pushes: 0 };
    } else {
      const triedOn = massLockout || !settings.showBadPasswordDc ? undefined : latestBadPassword(badPasswords);
      const [sms, pushes] = await Promise.all([
        sendSms(enrollment, account.lockedAt, now, { triedOn, massLockout }),
        sendPushes(userGuid, account.lockedAt, massLockout),
      ]);
      if (pushes.sent === 0 && sms.outcome !== 'sent' && (sms.transient || pushes.transientFailures > 0)) {
        throw new DeliveryError('no lockout alert reached the user; the SMS or push service may answer later');
      }
      record = {
        ...base,
        outcome: sms.outcome === 'sent' || pushes.sent > 0 ? 'alerted' : 'unreachable',
        sms: sms.outcome,
        pushes: pushes.sent,
      };
    }
    // Once something was sent, the event stays claimed even if these records fail: a duplicate alert is worse.
    try {
      if (record.sms === 'sent') await deps.onceKeys.forget(lockoutAlertAnswerKey(userGuid));
      await deps.alertLog.record(record, keepUntil);
      await deps.auditLog.record({
        userGuid,
        action: 'lockout-alert',
        channel: 'system',
        result: record.outcome === 'alerted' ? 'success' : record.outcome === 'capped' ? 'refused' : 'failed',
        reason: [
          record.outcome === 'capped' ? 'daily-cap' : `sms ${record.sms}, ${record.pushes} push(es)`,
          ...(badPasswords.length > 0 ? [badPasswordDetail(badPasswords)] : []),
        ].join('; '),
        requestId: jobId,
        at: now,
      });
    } catch (error) {
      deps.logger.error('lockout alert sent but not recorded', { userGuid, error: describe(error) });
    }
    deps.logger.info('lockout handled', { userGuid, outcome: record.outcome, sms: record.sms, pushes: record.pushes });
    return record.outcome;
  };

  /** Takes off the locked-now list the users a complete full scan did not find locked (unlocked outside Blink). */
  const unlistUnlocked = async (list: LockedNowList, lockedNow: Set<string>): Promise<void> => {
    try {
      for (const userGuid of await list.listed()) if (!lockedNow.has(userGuid)) await list.unlist(userGuid);
    } catch (error) {
      // The portal shows them locked a while longer; the next full scan tries again.
      deps.logger.warn('locked-now list not brought in line with the scan', { error: describe(error) });
    }
  };

  return {
    /** One scheduled scan. Throws when the scan or a user's handling failed (after handling the others): the job is retried. */
    async scan(jobId: string): Promise<LockoutScanSummary> {
      const startedAt = deps.clock.now();
      let result;
      let plan;
      try {
        plan = await planScan(startedAt);
        result = await deps.directory.scanLockedAccounts({
          ...settings.scan,
          ...(plan.changedSince ? { changedSince: plan.changedSince } : {}),
        });
      } catch (error) {
        deps.metrics.addMetric('LockoutScanFailed', 'Count', 1);
        throw error;
      }
      const fullScanReason = result.incremental ? undefined : (plan.fullScanReason ?? 'dc-changed');
      const summary: LockoutScanSummary = {
        pages: result.pages,
        complete: result.complete,
        incremental: result.incremental,
        ...(fullScanReason ? { fullScanReason } : {}),
        ...(result.startedAt ? { dc: result.startedAt.dcName } : {}),
        locked: result.locked.length,
        alerted: 0,
        capped: 0,
        unreachable: 0,
        alreadyHandled: 0,
        unenrolled: 0,
        expired: 0,
        queued: 0,
        massLockoutStarted: false,
      };
      const failures: unknown[] = [];
      const count = (disposition: Disposition) => {
        summary[disposition === 'already-handled' ? 'alreadyHandled' : disposition] += 1;
      };
      // First every new lockout is claimed, so that the scan knows how many there are before it sends anything.
      const claimed: ClaimedLockout[] = [];
      const policies = policyReaderFor(deps.directory);
      await forEachLimited(result.locked, CONCURRENCY, async (account) => {
        try {
          const outcome = await claim(account, policies);
          if (typeof outcome === 'string') count(outcome);
          else claimed.push(outcome);
        } catch (error) {
          failures.push(error);
          deps.logger.error('lockout handling failed', { userGuid: account.objectGuid, error: describe(error) });
        }
      });
      let event;
      try {
        event = await massLockoutEvent(claimed.length, deps.clock.now());
      } catch (error) {
        // The admins were not told: nothing is sent, and the retried job finds the same lockouts again.
        await Promise.all(claimed.map((entry) => deps.onceKeys.forget(entry.key)));
        deps.metrics.addMetric('LockoutScanFailed', 'Count', 1);
        throw error;
      }
      if (event) {
        summary.massLockoutStarted = event === 'started';
        summary.queued = await queueAlerts(claimed, failures);
      } else {
        await forEachLimited(claimed, CONCURRENCY, async (entry) => {
          try {
            count(await alertNow(entry, jobId));
          } catch (error) {
            failures.push(error);
            deps.logger.error('lockout handling failed', {
              userGuid: entry.enrollment.userGuid,
              error: describe(error),
            });
          }
        });
      }
      deps.metrics.addMetric('LockoutAccountsLocked', 'Count', summary.locked);
      deps.metrics.addMetric('LockoutAlertsSent', 'Count', summary.alerted);
      if (!result.complete) deps.metrics.addMetric('LockoutScanIncomplete', 'Count', 1);
      if (failures.length > 0) {
        deps.metrics.addMetric('LockoutScanFailed', 'Count', 1);
        // The watermark stays: the retried job searches the same changes again and handles the users that failed.
        throw failures[0];
      }
      if (result.complete && !result.incremental && deps.lockedNowList) {
        await unlistUnlocked(deps.lockedNowList, new Set(result.locked.map((account) => account.objectGuid)));
      }
      // Only a complete scan moves the watermark (to the USN read before it started): a scan stopped by its time
      // budget leaves it, so the next scan covers what this one did not reach.
      if (result.complete && result.startedAt) {
        try {
          await deps.scanWatermarks.record(result.startedAt, { startedAt, full: !result.incremental });
        } catch (error) {
          // The next scan starts from the older watermark: more work, nothing missed.
          deps.logger.warn('lockout scan watermark not recorded', {
            dc: result.startedAt.dcName,
            error: describe(error),
          });
        }
      }
      return summary;
    },

    /**
     * One paced alert of a mass-lockout event (a `lockout-alert` job). A job the queue delivered before its time (its
     * wait was longer than the queue can hold) goes back on the queue; otherwise the job is claimed by its id before
     * anything is sent, so a redelivered or duplicated job alerts once.
     */
    async sendQueuedAlert(job: Extract<DirectoryJob, { kind: 'lockout-alert' }>): Promise<string> {
      const now = deps.clock.now();
      const notBefore = new Date(job.notBefore);
      if (!deps.massLockout) throw new Error('mass lockout handling is not configured');
      if (await requeueIfEarly(deps.massLockout.jobQueue, job, now)) return 'requeued';
      const keepUntil = new Date(job.keepUntil);
      const sentKey = `lockout-alert-job#${job.jobId}`;
      if (!(await deps.onceKeys.recordFirst(sentKey, keepUntil))) return 'already-sent';
      try {
        const enrollment = await deps.enrollmentStore.get(job.userGuid);
        if (enrollment?.status !== 'active') return 'unenrolled';
        const account = {
          objectGuid: job.userGuid,
          dn: enrollment.dn,
          lockoutTime: job.lockoutTime,
          lockedAt: new Date(job.lockedAt),
        };
        const endsAt = job.lockoutEndsAt ? new Date(job.lockoutEndsAt) : undefined;
        return await alert(enrollment, account, { now, keepUntil, jobId: job.jobId, endsAt, scheduledFor: notBefore });
      } catch (error) {
        // Nothing reached the user: the retried delivery sends it.
        await deps.onceKeys.forget(sentKey);
        throw error;
      }
    },

    /** Locked users with an active enrollment, when they were locked, and what the scan did about it (admin listing). */
    async listLocked(): Promise<LockedResult> {
      // Always a full scan: it is rare and must be complete, whatever the watermarks say.
      const result = await deps.directory.scanLockedAccounts(settings.scan);
      const now = deps.clock.now();
      const locked: LockedUser[] = [];
      const policies = policyReaderFor(deps.directory);
      await forEachLimited(result.locked, CONCURRENCY, async (account) => {
        const assessed = await assess(account, now, policies);
        if (assessed.skip) return;
        const { enrollment, endsAt } = assessed;
        const alert = await deps.alertLog.find(enrollment.userGuid, account.lockoutTime);
        const badPasswords = await deps.directory.readBadPasswords(account).catch((error: unknown) => {
          // The listing matters more than where the wrong passwords were tried.
          deps.logger.warn('reading the DCs’ bad password counts failed', {
            userGuid: enrollment.userGuid,
            error: describe(error),
          });
          return [];
        });
        locked.push({
          userGuid: enrollment.userGuid,
          samAccountName: enrollment.samAccountName,
          displayName: enrollment.displayName,
          lockedAt: account.lockedAt.toISOString(),
          lockoutEndsAt: endsAt ? endsAt.toISOString() : null,
          alert: alert
            ? { outcome: alert.outcome, sms: alert.sms, pushes: alert.pushes, handledAt: alert.handledAt.toISOString() }
            : null,
          badPasswords: badPasswords.map((dc) => ({
            dc: dc.dc,
            state: dc.state,
            count: dc.count,
            lastAt: dc.lastAt?.toISOString() ?? null,
          })),
        });
      });
      locked.sort((a, b) => a.lockedAt.localeCompare(b.lockedAt) || a.samAccountName.localeCompare(b.samAccountName));
      return { locked, complete: result.complete };
    },
  };
}

export type LockoutWatch = ReturnType<typeof createLockoutWatch>;

/** Reads the policy of a source; each source's policy once for the reader's lifetime (one scan). */
type PolicyReader = (source: PolicySource) => Promise<PasswordPolicy>;

/**
 * One read per distinct policy in a scan, not one per locked user: a mass lockout of hundreds of users under one or
 * two policies would otherwise cost as many LDAP reads and run the scan into the worker's timeout. A failed read is
 * not kept, so the next user of that policy tries again.
 */
function policyReaderFor(directory: Directory): PolicyReader {
  const read = new Map<string, Promise<PasswordPolicy>>();
  return (source) => {
    const key = source.kind === 'pso' ? `pso#${source.dn.toLowerCase()}` : 'domain';
    let policy = read.get(key);
    if (!policy) {
      policy = directory.readPolicy(source);
      read.set(key, policy);
      policy.catch(() => read.delete(key));
    }
    return policy;
  };
}

/** The DC that saw the latest wrong password, and when. */
function latestBadPassword(onEachDc: BadPasswordsOnDc[]): BadPasswordsSeen | undefined {
  const seen = onEachDc.filter((dc) => dc.count > 0 && dc.lastAt);
  const latest = seen.sort((a, b) => (b.lastAt?.getTime() ?? 0) - (a.lastAt?.getTime() ?? 0))[0];
  return latest?.lastAt ? { dc: latest.dc, at: latest.lastAt } : undefined;
}

/** For the audit trail: `wrong passwords: dc2=4@2026-12-05T10:42:07.000Z dc1=0 dc3=unreachable`, one entry per DC. */
function badPasswordDetail(onEachDc: BadPasswordsOnDc[]): string {
  // By DC name: the directory lists DCs in the order it discovered them, which varies; a record reads the same way.
  const byName = [...onEachDc].sort((a, b) => a.dc.localeCompare(b.dc));
  const entries = byName.map((dc) => {
    if (dc.state === 'unreachable') return `${dc.dc}=unreachable`;
    return `${dc.dc}=${dc.count}${dc.lastAt && dc.count > 0 ? `@${dc.lastAt.toISOString()}` : ''}`;
  });
  return `wrong passwords: ${entries.join(' ')}`;
}

async function forEachLimited<T>(items: T[], limit: number, action: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await action(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
