import { randomUUID } from 'node:crypto';
import type { Enrollment } from '../../domain/enrollment.js';
import { DeliveryError, DomainError } from '../../domain/errors.js';
import type { AuditLog } from '../../ports/audit-log.js';
import type { Clock } from '../../ports/clock.js';
import type { DeviceStore } from '../../ports/device-store.js';
import type { Directory, ExpiringPassword } from '../../ports/directory.js';
import type { EmailSender } from '../../ports/email-sender.js';
import type { EnrollmentStore } from '../../ports/enrollment-store.js';
import type { ExpiryReminderKey, ExpiryReminderLog, ExpiryReminderOutcome } from '../../ports/expiry-reminder-log.js';
import type { JobQueue } from '../../ports/job-queue.js';
import type { Logger } from '../../ports/logger.js';
import type { OptOutList } from '../../ports/opt-out-list.js';
import type { PushSender } from '../../ports/push-sender.js';
import type { OnceKeys } from '../../ports/once-keys.js';
import type { SendPacer } from '../../ports/send-pacer.js';
import type { SmsSender } from '../../ports/sms-sender.js';
import {
  pushToDevices,
  queueDelayFor,
  requeueIfEarly,
  reserveSendTime,
  sendUnlessOptedOut,
  type DevicePushDependencies,
} from '../messaging/index.js';
import type { DirectoryJob } from '../../domain/directory-job.js';
import {
  expiryReminderEmail,
  expiryReminderPush,
  expiryReminderSms,
  expiryReminderWebPush,
  type ResetRoute,
} from './messages.js';
import { daysLeft, dueStep } from './steps.js';

export interface ExpiryReminderSettings {
  /** Days before the expiry a reminder goes out (default 14, 7, 3, 1). */
  steps: number[];
  /** IANA zone of the expiry time in the reminders (the deployment's LOCKOUT_ALERT_TIME_ZONE). */
  timeZone: string;
  /** Channels besides email, turned on for every enrolled user by the admin (users may also choose them). */
  sms: boolean;
  push: boolean;
  pageSize: number;
  /** Reading and sending stop after this long; the rest goes to a continuation job. */
  timeBudgetMs: number;
  productName: string;
  supportContact: string;
  /** Blink's number named in "text RESET to …" when the enrollment has no saved sender number. */
  defaultResetNumber: string;
}

export interface ExpiryReminderDependencies {
  directory: Directory;
  enrollmentStore: EnrollmentStore;
  deviceStore: DeviceStore;
  optOutList: OptOutList;
  smsSender: SmsSender;
  emailSender: EmailSender;
  pushSender: PushSender;
  /** Web Push to the installed app (the lockout watch's device push path). */
  webPush?: DevicePushDependencies['webPush'];
  reminderLog: ExpiryReminderLog;
  jobQueue: JobQueue;
  auditLog: AuditLog;
  clock: Clock;
  logger: Logger;
  metrics: { addMetric(name: string, unit: 'Count', value: number): void };
  settings: ExpiryReminderSettings;
  /**
   * Paces SMS reminders to the SMS numbers' throughput, as mass-lockout alerts are: each SMS is a job the queue holds
   * until its share of the shared schedule, claimed by id before it sends. Absent: SMS are sent by the scan itself.
   */
  smsPacing?: { pacer: SendPacer; perSecond: number; onceKeys: OnceKeys };
}

/** Where a scan starts: after this user in (pwdLastSet, objectGUID) order; absent for the daily run. */
export interface ExpiryScanCursor {
  pwdLastSet: string;
  userGuid: string;
}

type Disposition = 'reminded' | 'unreachable' | 'already-sent' | 'not-due' | 'unenrolled' | 'protected';

export interface ExpiryScanSummary {
  /** Users the directory returned (enabled, password expiring within the largest step). */
  expiring: number;
  reminded: number;
  unreachable: number;
  alreadySent: number;
  notDue: number;
  unenrolled: number;
  protected: number;
  pages: number;
  complete: boolean;
  /** A continuation job was queued for the users this run had no time for. */
  continued: boolean;
}

/** How long a push service keeps a reminder Web Push for an offline phone. */
const WEB_PUSH_TTL_SECONDS = 24 * 3600;
/** Users handled at once: bounds the load on the table, the DCs and the senders. */
const CONCURRENCY = 5;
/** A claimed reminder is kept this long after the expiry it is about (then TTL removes it). */
const KEEP_AFTER_EXPIRY_MS = 30 * 86_400_000;

const compareCursor = (a: ExpiryScanCursor, b: ExpiryScanCursor) => {
  const left = BigInt(a.pwdLastSet);
  const right = BigInt(b.pwdLastSet);
  if (left !== right) return left < right ? -1 : 1;
  return a.userGuid < b.userGuid ? -1 : a.userGuid > b.userGuid ? 1 : 0;
};
const cursorOf = (entry: ExpiringPassword): ExpiryScanCursor => ({
  pwdLastSet: entry.pwdLastSet,
  userGuid: entry.objectGuid,
});

/**
 * Password-expiry reminders (issue 13 §4). The daily job asks AD for the enabled users whose password expires within
 * the largest step (a paged search bounded by pwdLastSet, so its cost follows the users near expiry, not the
 * directory), keeps those with an active enrollment (a key lookup each: AD knows nothing of enrollments) that are not
 * protected, and sends each the reminder of the step due now, once: the reminder (user, expiry, step) is claimed with
 * a conditional write before anything is sent. Email always; SMS and app push when the admin turned them on.
 */
export function createExpiryReminders(deps: ExpiryReminderDependencies) {
  const { settings } = deps;
  const wording = {
    productName: settings.productName,
    supportContact: settings.supportContact,
    timeZone: settings.timeZone,
  };

  const resetRouteOf = (enrollment: Enrollment): ResetRoute => {
    if (enrollment.methods.sms && enrollment.phoneE164)
      return { sms: enrollment.senderNumber ?? settings.defaultResetNumber };
    return enrollment.methods.app ? { app: true } : undefined;
  };

  const sendEmail = async (enrollment: Enrollment, expiresAt: Date, days: number) => {
    if (!enrollment.mail) return { outcome: 'no-mail' as const, transient: false };
    try {
      await deps.emailSender.send(
        expiryReminderEmail(wording, enrollment, { expiresAt, days, route: resetRouteOf(enrollment) }),
      );
      return { outcome: 'sent' as const, transient: false };
    } catch (error) {
      deps.logger.warn('expiry reminder email failed', { userGuid: enrollment.userGuid, error: describe(error) });
      return { outcome: 'failed' as const, transient: error instanceof DomainError ? error.retryable : true };
    }
  };

  const sendSms = async (enrollment: Enrollment, expiresAt: Date, now: Date) => {
    // The admin's setting, or the user's choice at setup.
    if (!settings.sms && !enrollment.expiryReminders?.sms) return { outcome: 'off' as const, transient: false };
    const phone = enrollment.methods.sms ? enrollment.phoneE164 : undefined;
    if (!phone) return { outcome: 'no-phone' as const, transient: false };
    const pacing = deps.smsPacing;
    if (pacing) {
      try {
        const sendAt = await reserveSendTime(pacing.pacer, pacing.perSecond, now);
        await deps.jobQueue.enqueue(
          {
            kind: 'expiry-reminder-sms',
            jobId: randomUUID(),
            requestedAt: now.toISOString(),
            userGuid: enrollment.userGuid,
            expiresAt: expiresAt.toISOString(),
            notBefore: sendAt.toISOString(),
          },
          { delaySeconds: queueDelayFor(sendAt, deps.clock.now()) },
        );
        return { outcome: 'queued' as const, transient: false };
      } catch (error) {
        deps.logger.warn('expiry reminder SMS not queued', { userGuid: enrollment.userGuid, error: describe(error) });
        return { outcome: 'failed' as const, transient: error instanceof DomainError ? error.retryable : true };
      }
    }
    // From the number the user saved at setup, so the reminder lands in the thread they know.
    const from = enrollment.senderNumber;
    try {
      const body = expiryReminderSms(wording, expiresAt, from ?? settings.defaultResetNumber);
      const sent = await sendUnlessOptedOut(deps, { to: phone, body, ...(from ? { from } : {}) }, now);
      return { outcome: sent === 'sent' ? ('sent' as const) : ('opted-out' as const), transient: false };
    } catch (error) {
      deps.logger.warn('expiry reminder SMS failed', { userGuid: enrollment.userGuid, error: describe(error) });
      return { outcome: 'failed' as const, transient: error instanceof DomainError && error.retryable };
    }
  };

  /** Mobile push and Web Push to the bound devices, when the admin turned push on or the user chose it in the app. */
  const sendPushes = async (enrollment: Enrollment, expiresAt: Date, days: number) => {
    if (!settings.push && !enrollment.expiryReminders?.push) return { sent: 0, transientFailures: 0 };
    const { title, body } = expiryReminderPush(wording, expiresAt, days);
    return pushToDevices(deps, enrollment.userGuid, {
      mobile: { title, body, data: { kind: 'password-expiry', expiresAt: expiresAt.toISOString() } },
      web: expiryReminderWebPush(wording, expiresAt, days),
      // Stale once the next reminder step or the expiry comes.
      webTtlSeconds: WEB_PUSH_TTL_SECONDS,
      webTopic: 'password-expiry',
    });
  };

  const remind = async (
    enrollment: Enrollment,
    reminder: ExpiryReminderKey,
    context: { now: Date; jobId: string },
  ): Promise<'reminded' | 'unreachable'> => {
    const { now, jobId } = context;
    const days = daysLeft(reminder.expiresAt, now);
    const [email, sms, pushes] = await Promise.all([
      sendEmail(enrollment, reminder.expiresAt, days),
      sendSms(enrollment, reminder.expiresAt, now),
      sendPushes(enrollment, reminder.expiresAt, days),
    ]);
    const reached = email.outcome === 'sent' || sms.outcome === 'sent' || sms.outcome === 'queued' || pushes.sent > 0;
    if (!reached && (email.transient || sms.transient || pushes.transientFailures > 0)) {
      throw new DeliveryError('no expiry reminder reached the user; the email, SMS or push service may answer later');
    }
    const outcome: ExpiryReminderOutcome = { email: email.outcome, sms: sms.outcome, pushes: pushes.sent, sentAt: now };
    // Once something was sent, the reminder stays claimed even if these records fail: a duplicate is worse.
    try {
      await deps.reminderLog.complete(reminder, outcome);
      await deps.auditLog.record({
        userGuid: enrollment.userGuid,
        action: 'password-expiry-reminder',
        channel: 'system',
        result: reached ? 'success' : 'failed',
        reason: `step ${reminder.step} d, expires ${reminder.expiresAt.toISOString()}; email ${email.outcome}, sms ${sms.outcome}, ${pushes.sent} push(es)`,
        requestId: jobId,
        at: now,
      });
    } catch (error) {
      deps.logger.error('expiry reminder sent but not recorded', {
        userGuid: enrollment.userGuid,
        error: describe(error),
      });
    }
    return reached ? 'reminded' : 'unreachable';
  };

  const handle = async (entry: ExpiringPassword, jobId: string): Promise<Disposition> => {
    const now = deps.clock.now();
    const step = dueStep(entry.expiresAt, now, settings.steps);
    if (step === undefined) return 'not-due';
    const enrollment = await deps.enrollmentStore.get(entry.objectGuid);
    if (enrollment?.status !== 'active') return 'unenrolled';
    // Activation refuses protected accounts, but a user can join a protected group later: then Blink stays out.
    const user = await deps.directory.findUserByGuid(entry.objectGuid);
    if (!user || (await deps.directory.isProtected(user))) return 'protected';
    const reminder: ExpiryReminderKey = { userGuid: entry.objectGuid, expiresAt: entry.expiresAt, step };
    if (!(await deps.reminderLog.claim(reminder, new Date(entry.expiresAt.getTime() + KEEP_AFTER_EXPIRY_MS))))
      return 'already-sent';
    try {
      return await remind(enrollment, reminder, { now, jobId });
    } catch (error) {
      // Nothing reached the user: the claim is freed, so the retried job sends the reminder.
      await deps.reminderLog.release(reminder);
      throw error;
    }
  };

  return {
    /**
     * One paced SMS reminder (an `expiry-reminder-sms` job): back on the queue when delivered before its time, else
     * claimed by its id before it sends, so a redelivered or duplicated job texts once.
     */
    async sendQueuedSms(job: Extract<DirectoryJob, { kind: 'expiry-reminder-sms' }>): Promise<string> {
      const pacing = deps.smsPacing;
      if (!pacing) throw new Error('SMS reminder pacing is not configured');
      const now = deps.clock.now();
      if (await requeueIfEarly(deps.jobQueue, job, now)) return 'requeued';
      const expiresAt = new Date(job.expiresAt);
      const key = `expiry-reminder-sms#${job.jobId}`;
      if (!(await pacing.onceKeys.recordFirst(key, new Date(expiresAt.getTime() + KEEP_AFTER_EXPIRY_MS))))
        return 'already-sent';
      let outcome;
      try {
        const enrollment = await deps.enrollmentStore.get(job.userGuid);
        const phone = enrollment?.methods.sms ? enrollment.phoneE164 : undefined;
        if (enrollment?.status !== 'active' || !phone) return 'unenrolled';
        const from = enrollment.senderNumber;
        const body = expiryReminderSms(wording, expiresAt, from ?? settings.defaultResetNumber);
        outcome = await sendUnlessOptedOut(deps, { to: phone, body, ...(from ? { from } : {}) }, now);
      } catch (error) {
        // Nothing was sent: the retried delivery sends it.
        await pacing.onceKeys.forget(key);
        throw error;
      }
      // Once sent, the job stays claimed even if the record fails: a duplicate SMS is worse.
      try {
        await deps.auditLog.record({
          userGuid: job.userGuid,
          action: 'password-expiry-reminder-sms',
          channel: 'system',
          result: outcome === 'sent' ? 'success' : 'refused',
          reason: `${outcome}, scheduled ${job.notBefore}`,
          requestId: job.jobId,
          at: now,
        });
      } catch (error) {
        deps.logger.error('expiry reminder SMS sent but not recorded', {
          userGuid: job.userGuid,
          error: describe(error),
        });
      }
      return outcome;
    },

    /**
     * One run: the daily job, or a continuation (`after`). Throws when reading AD or a user's reminder failed (after
     * handling the others): the job is retried, and reminders already sent are not sent again.
     */
    async scan(jobId: string, after?: ExpiryScanCursor): Promise<ExpiryScanSummary> {
      const startedAt = deps.clock.now();
      const deadline = startedAt.getTime() + settings.timeBudgetMs;
      const horizonDays = Math.max(...settings.steps);
      let result;
      try {
        result = await deps.directory.scanPasswordExpiries({
          now: startedAt,
          horizonDays,
          pageSize: settings.pageSize,
          timeBudgetMs: settings.timeBudgetMs,
          ...(after ? { pwdLastSetFrom: after.pwdLastSet } : {}),
        });
      } catch (error) {
        deps.metrics.addMetric('PasswordExpiryScanFailed', 'Count', 1);
        throw error;
      }
      // A fixed order (pwdLastSet, then objectGUID) makes "the users handled so far" a prefix a continuation can skip.
      const pending = result.expiring
        .filter((entry) => !after || compareCursor(cursorOf(entry), after) > 0)
        .sort((a, b) => compareCursor(cursorOf(a), cursorOf(b)));
      const summary: ExpiryScanSummary = {
        expiring: pending.length,
        reminded: 0,
        unreachable: 0,
        alreadySent: 0,
        notDue: 0,
        unenrolled: 0,
        protected: 0,
        pages: result.pages,
        complete: result.complete,
        continued: false,
      };
      const failures: unknown[] = [];
      let handled = 0;
      // At least one batch per run, even when reading took the whole budget: each continuation moves the cursor on.
      while (handled < pending.length && (handled === 0 || deps.clock.now().getTime() < deadline)) {
        const batch = pending.slice(handled, handled + CONCURRENCY);
        await Promise.all(
          batch.map(async (entry) => {
            try {
              const disposition = await handle(entry, jobId);
              summary[
                disposition === 'already-sent' ? 'alreadySent' : disposition === 'not-due' ? 'notDue' : disposition
              ] += 1;
            } catch (error) {
              failures.push(error);
              deps.logger.error('expiry reminder failed', { userGuid: entry.objectGuid, error: describe(error) });
            }
          }),
        );
        handled += batch.length;
      }
      deps.metrics.addMetric('PasswordExpiryRemindersSent', 'Count', summary.reminded);
      if (failures.length > 0) {
        deps.metrics.addMetric('PasswordExpiryScanFailed', 'Count', 1);
        // The retried job starts from the same cursor; what was sent stays claimed.
        throw failures[0];
      }
      // A read cut short by the budget cannot be continued in order: the alarm says the reminders may be incomplete.
      if (!result.complete) deps.metrics.addMetric('PasswordExpiryScanIncomplete', 'Count', 1);
      const last = pending[handled - 1];
      if (handled < pending.length && last) {
        await deps.jobQueue.enqueue({
          kind: 'password-expiry-scan',
          jobId: randomUUID(),
          requestedAt: deps.clock.now().toISOString(),
          after: cursorOf(last),
        });
        summary.continued = true;
      }
      return summary;
    },
  };
}

export type ExpiryReminders = ReturnType<typeof createExpiryReminders>;

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
