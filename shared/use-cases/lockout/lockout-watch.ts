import type { Logger } from '../../ports/logger.js';
import type { Enrollment } from '../../domain/enrollment.js';
import { DeliveryError, DomainError, OptedOutError, PushSubscriptionGoneError } from '../../domain/errors.js';
import type { AuditLog } from '../../ports/audit-log.js';
import type { Clock } from '../../ports/clock.js';
import type { DeviceStore } from '../../ports/device-store.js';
import type { ChangeWatermark, Directory, LockedAccount, LockoutScanOptions } from '../../ports/directory.js';
import type { EnrollmentStore } from '../../ports/enrollment-store.js';
import type { LockoutAlertLog, LockoutAlertRecord, LockoutSmsOutcome } from '../../ports/lockout-alert-log.js';
import type { OnceKeys } from '../../ports/once-keys.js';
import type { OptOutList } from '../../ports/opt-out-list.js';
import type { PushSender } from '../../ports/push-sender.js';
import type { RateLimiter } from '../../ports/rate-limiter.js';
import type { ScanWatermarkStore } from '../../ports/scan-watermark-store.js';
import type { SmsSender } from '../../ports/sms-sender.js';
import type { WebPushSender } from '../../ports/web-push-sender.js';
import type { WebPushSubscriptions } from '../../ports/web-push-subscriptions.js';
import type { Device } from '../../domain/device.js';
import type { LockedResult, LockedUser } from '../../domain/lockout-listing-contract.js';
import { lockoutAlertPush, lockoutAlertSms, lockoutAlertWebPush, type BadPasswordsSeen } from './messages.js';

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
  scanWatermarks: ScanWatermarkStore;
  clock: Clock;
  logger: Logger;
  metrics: LockoutMetrics;
  settings: LockoutWatchSettings;
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
}

/**
 * Why a scan searches all users: incremental scans off (max age 0), a DC without USNs (the demo directory), the first
 * scan of this DC (a new DC or a failover to one never scanned), its USN below the watermark (restored), the last
 * full scan too long ago, or the scan ran on another DC than the one planned for (failover during the scan).
 */
export type FullScanReason =
  'incremental-off' | 'no-usn' | 'first-scan-of-dc' | 'dc-restored' | 'watermark-too-old' | 'dc-changed';

type Disposition = 'alerted' | 'capped' | 'unreachable' | 'already-handled' | 'unenrolled' | 'expired';
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
  const lockoutEndOf = async (account: LockedAccount): Promise<Date | undefined> => {
    const user = await deps.directory.findUserByGuid(account.objectGuid);
    const policy = user ? await deps.directory.readEffectivePolicy(user) : await deps.directory.readDomainPolicy();
    if (policy.lockoutDurationSeconds === 0) return undefined;
    return new Date(account.lockedAt.getTime() + policy.lockoutDurationSeconds * 1000);
  };

  /** The active enrollment and the lockout's end, or why the account is not the watch's business now. */
  const assess = async (account: LockedAccount, now: Date): Promise<Assessment> => {
    const enrollment = await deps.enrollmentStore.get(account.objectGuid);
    if (enrollment?.status !== 'active') return { skip: 'unenrolled' };
    const endsAt = await lockoutEndOf(account);
    if (endsAt && endsAt.getTime() <= now.getTime()) return { skip: 'expired' };
    return { skip: false, enrollment, endsAt };
  };

  /** The SMS outcome, and whether a failure is worth another try (a transient error of the SMS service). */
  /** Where and when the latest wrong password was tried (badPwdCount is per DC), when the admin turned that on. */
  const badPasswordsSeen = async (account: LockedAccount): Promise<BadPasswordsSeen | undefined> => {
    if (!settings.showBadPasswordDc) return undefined;
    try {
      const seen = (await deps.directory.readBadPasswords(account)).filter((dc) => dc.count > 0 && dc.lastAt);
      const latest = seen.sort((a, b) => (b.lastAt?.getTime() ?? 0) - (a.lastAt?.getTime() ?? 0))[0];
      return latest?.lastAt ? { dc: latest.dc, at: latest.lastAt } : undefined;
    } catch (error) {
      // The alert matters more than its detail.
      deps.logger.warn('reading the DCs’ bad password counts failed', { error: describe(error) });
      return undefined;
    }
  };

  const sendSms = async (
    enrollment: Enrollment,
    lockedAt: Date,
    now: Date,
    triedOn?: BadPasswordsSeen,
  ): Promise<{ outcome: LockoutSmsOutcome; transient: boolean }> => {
    const phone = enrollment.methods.sms ? enrollment.phoneE164 : undefined;
    if (!phone) return { outcome: 'no-phone', transient: false };
    if (await deps.optOutList.isOptedOut(phone)) return { outcome: 'opted-out', transient: false };
    try {
      // From the number the user saved at setup, so the alert (and the reply to it) stays in the thread they know.
      const from = enrollment.senderNumber;
      const body = lockoutAlertSms(settings.productName, lockedAt, settings.timeZone, triedOn);
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
  const sendPushes = async (userGuid: string, lockedAt: Date): Promise<{ sent: number; transientFailures: number }> => {
    const devices = (await deps.deviceStore.listForUser(userGuid)).filter(
      (device) => !device.revokedAt && (device.pushToken || device.webPush),
    );
    const { title, body } = lockoutAlertPush(settings.productName, lockedAt, settings.timeZone);
    let sent = 0;
    let transientFailures = 0;
    const attempt = async (device: Device, channel: 'mobile' | 'web', send: () => Promise<unknown>) => {
      try {
        await send();
        sent += 1;
      } catch (error) {
        if (error instanceof DomainError && error.retryable) transientFailures += 1;
        if (error instanceof PushSubscriptionGoneError && device.webPush) {
          // The browser dropped it (app removed, permission revoked): nothing will ever be delivered there again.
          try {
            await deps.webPush?.subscriptions.removeWebPush(device.deviceId, device.webPush.endpoint);
            deps.logger.info('web push subscription gone, removed', { userGuid, deviceId: device.deviceId });
          } catch (removal) {
            // The next alert meets the same answer and tries again; the alert itself must not fail for it.
            deps.logger.warn('gone web push subscription not removed', {
              userGuid,
              deviceId: device.deviceId,
              error: describe(removal),
            });
          }
          return;
        }
        deps.logger.warn('lockout alert push failed', {
          userGuid,
          deviceId: device.deviceId,
          channel,
          error: describe(error),
        });
      }
    };
    for (const device of devices) {
      if (device.pushToken) {
        const target = device.pushToken;
        await attempt(device, 'mobile', () =>
          deps.pushSender.send({ target, title, body, data: { kind: 'lockout', lockedAt: lockedAt.toISOString() } }),
        );
      }
      const subscription = device.webPush;
      const webPush = deps.webPush;
      if (subscription && webPush) {
        const notification = lockoutAlertWebPush(settings.productName, lockedAt, settings.timeZone);
        await attempt(device, 'web', () =>
          webPush.sender.send({
            deviceId: device.deviceId,
            subscription,
            notification,
            ttlSeconds: WEB_PUSH_TTL_SECONDS,
            topic: 'lockout',
          }),
        );
      }
    }
    return { sent, transientFailures };
  };

  const handle = async (account: LockedAccount, jobId: string): Promise<Disposition> => {
    const now = deps.clock.now();
    const assessed = await assess(account, now);
    if (assessed.skip) return assessed.skip;
    const { enrollment, endsAt } = assessed;
    const userGuid = enrollment.userGuid;
    const keepUntil = endsAt
      ? new Date(Math.max(endsAt.getTime(), now.getTime()) + KEEP_AFTER_LOCKOUT_ENDS_MS)
      : new Date(now.getTime() + KEEP_UNENDING_LOCKOUT_MS);

    // Claimed before anything is sent: of two scans that see the same event, exactly one alerts.
    const key = lockoutAlertKey(userGuid, account.lockoutTime);
    if (!(await deps.onceKeys.recordFirst(key, keepUntil))) return 'already-handled';
    try {
      return await alert(enrollment, account, { now, keepUntil, jobId });
    } catch (error) {
      // Nothing reached the user: the event is released, so the retried job (or the next scan) alerts it.
      await deps.onceKeys.forget(key);
      throw error;
    }
  };

  const alert = async (
    enrollment: Enrollment,
    account: LockedAccount,
    context: { now: Date; keepUntil: Date; jobId: string },
  ): Promise<'alerted' | 'capped' | 'unreachable'> => {
    const { now, keepUntil, jobId } = context;
    const userGuid = enrollment.userGuid;
    const base = { userGuid, lockoutTime: account.lockoutTime, lockedAt: account.lockedAt, handledAt: now };
    const cap = await deps.rateLimiter.hit(`lockout-alert#${userGuid}`, settings.alertsPerDay, DAY_SECONDS);
    let record: LockoutAlertRecord;
    if (!cap.allowed) {
      record = { ...base, outcome: 'capped', sms: 'not-sent', pushes: 0 };
    } else {
      const triedOn = await badPasswordsSeen(account);
      const [sms, pushes] = await Promise.all([
        sendSms(enrollment, account.lockedAt, now, triedOn),
        sendPushes(userGuid, account.lockedAt),
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
        reason: record.outcome === 'capped' ? 'daily-cap' : `sms ${record.sms}, ${record.pushes} push(es)`,
        requestId: jobId,
        at: now,
      });
    } catch (error) {
      deps.logger.error('lockout alert sent but not recorded', { userGuid, error: describe(error) });
    }
    deps.logger.info('lockout handled', { userGuid, outcome: record.outcome, sms: record.sms, pushes: record.pushes });
    return record.outcome;
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
      };
      const failures: unknown[] = [];
      await forEachLimited(result.locked, CONCURRENCY, async (account) => {
        try {
          const disposition = await handle(account, jobId);
          const field = disposition === 'already-handled' ? 'alreadyHandled' : disposition;
          summary[field] += 1;
        } catch (error) {
          failures.push(error);
          deps.logger.error('lockout handling failed', { userGuid: account.objectGuid, error: describe(error) });
        }
      });
      deps.metrics.addMetric('LockoutAccountsLocked', 'Count', summary.locked);
      deps.metrics.addMetric('LockoutAlertsSent', 'Count', summary.alerted);
      if (!result.complete) deps.metrics.addMetric('LockoutScanIncomplete', 'Count', 1);
      if (failures.length > 0) {
        deps.metrics.addMetric('LockoutScanFailed', 'Count', 1);
        // The watermark stays: the retried job searches the same changes again and handles the users that failed.
        throw failures[0];
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

    /** Locked users with an active enrollment, when they were locked, and what the scan did about it (admin listing). */
    async listLocked(): Promise<LockedResult> {
      // Always a full scan: it is rare and must be complete, whatever the watermarks say.
      const result = await deps.directory.scanLockedAccounts(settings.scan);
      const now = deps.clock.now();
      const locked: LockedUser[] = [];
      await forEachLimited(result.locked, CONCURRENCY, async (account) => {
        const assessed = await assess(account, now);
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
