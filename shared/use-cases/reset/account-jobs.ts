import { ineligibilityOf, userAccountControl } from '../../domain/account-eligibility.js';
import type { Device } from '../../domain/device.js';
import type { DirectoryJob } from '../../domain/directory-job.js';
import type { Enrollment } from '../../domain/enrollment.js';
import {
  AmbiguousUserError,
  ConcurrentUpdateError,
  DirectoryOperationError,
  DirectoryUnavailableError,
  NotFoundError,
  PasswordRejectedError,
} from '../../domain/errors.js';
import { generatePassword } from '../../domain/password-generator.js';
import type { DirectoryUser, PasswordWrite, ReplicationCheck } from '../../ports/directory.js';
import type { JobOutcome } from '../../ports/job-ledger.js';
import type { AppRequestRecipient, AppRequestResult } from '../../ports/password-delivery.js';
import { resetLimitKeys } from '../app-requests/index.js';
import type { RefusalReason, ResetDependencies } from './dependencies.js';
import { sendUnlessOptedOut } from '../messaging/index.js';
import {
  accountChangedEmail,
  directoryUnreachableSms,
  helpDeskSms,
  newPasswordSms,
  notLockedSms,
  passwordNotTextedEmail,
  refusedSms,
  unlockedSms,
  type AccountJobKind,
} from './messages.js';

export type AccountJob = Extract<DirectoryJob, { kind: AccountJobKind }>;

/** What the worker's handler passes along with each job (see functions/directory-worker/handler.ts). */
export interface AccountJobDelivery {
  receiveCount: number;
}

/** How many characters longer each new password is after AD refused one. */
const REJECTED_PASSWORD_GROWTH = 4;

/**
 * UNLOCKs of an account that was not locked given back to the account's request budget per hour: they change nothing
 * in AD, so they must not use up the requests a lockout later needs; bounded, so that sending UNLOCK over and over
 * (each answered "not locked") still runs into the limit.
 */
export const NOT_LOCKED_REFUNDS_PER_HOUR = 3;

/** Between two polls of the DCs that do not have a new password yet. */
const REPLICATION_POLL_MS = 500;

/** A finished job stays in the ledger as long as SQS can keep a message (14 days), so no delivery repeats it. */
const LEDGER_KEEP_MS = 14 * 86_400_000;

type AppOutcome = Exclude<AppRequestResult, { state: 'pending' | 'password-ready' | 'gone' }>;

/** Who asked, and how to answer them: the verified phone (sms) or the requesting device (app). */
interface Requester {
  enrollment: Enrollment;
  /** Sends a short answer without a password; false when it was not sent because the number opted out. */
  tell(text: string, appOutcome: AppOutcome): Promise<boolean>;
  /** Hands the new password over (saying to wait a minute when a DC is behind); false when the number opted out. */
  deliverPassword(password: string, waitAdvised: boolean): Promise<boolean>;
}

/**
 * The directory worker's reset and unlock jobs (docs/design/reset.md, "Directory worker"). Each job is claimed in the
 * ledger first, so duplicate and concurrent deliveries do it once; the account is checked again before any write; the
 * password is sent only after AD accepted it, and exists only in local variables and the outgoing message.
 */
export function createAccountJobs(deps: ResetDependencies) {
  const { directory, logger, settings } = deps;

  async function run(job: AccountJob, delivery: AccountJobDelivery): Promise<void> {
    const claimedAt = deps.clock.now();
    const claim = await deps.jobLedger.claim(
      job.jobId,
      claimedAt,
      new Date(claimedAt.getTime() + settings.leaseSeconds * 1000),
    );
    if (claim.outcome === 'done') {
      logger.info('job already done: duplicate delivery acknowledged', { userGuid: job.userGuid });
      return;
    }
    if (claim.outcome === 'in-progress') {
      // Another delivery of the same job is running it: let SQS bring this one back, by then it will answer 'done'.
      throw new ConcurrentUpdateError(
        `job is being run by another delivery (lease until ${claim.leaseUntil.toISOString()})`,
      );
    }

    const lastDelivery = delivery.receiveCount >= settings.maxReceiveCount;
    let requester: Requester | undefined;
    try {
      const found = await findRequester(job);
      if ('refused' in found) {
        await finish(job, { result: 'refused', reason: found.refused });
        return;
      }
      requester = found;
      const outcome = job.kind === 'reset' ? await reset(job, requester) : await unlock(job, requester);
      await finish(job, outcome);
    } catch (error) {
      if (lastDelivery) {
        // The last try: tell the user before the job goes to the dead-letter queue (which raises an alarm), and close
        // it in the ledger, so that a later redrive cannot change the password behind the user's back.
        const unreachable = error instanceof DirectoryUnavailableError;
        const reason = unreachable ? 'directory-unavailable' : 'error';
        logger.error('account job failed on its last delivery', {
          userGuid: job.userGuid,
          reason,
          receiveCount: delivery.receiveCount,
        });
        if (requester) {
          const text = unreachable ? directoryUnreachableSms(settings, job.kind) : refusedSms(settings, job.kind);
          const answering = requester;
          await bestEffort('telling the user the job failed', () =>
            answering.tell(text, { state: 'failed', message: text }),
          );
        }
        await finish(job, { result: 'failed', reason });
      } else {
        await bestEffort('releasing the job', () => deps.jobLedger.release(job.jobId));
      }
      throw error;
    }
  }

  /** The enrollment (active) and the way back to the requester, or why there is none. */
  async function findRequester(job: AccountJob): Promise<Requester | { refused: string }> {
    const enrollment = await deps.enrollmentStore.get(job.userGuid);
    if (job.channel === 'app') {
      const device = job.deviceId ? await deps.deviceStore.get(job.deviceId) : undefined;
      const recipient: AppRequestRecipient = { jobId: job.jobId, deviceId: job.deviceId ?? '', userGuid: job.userGuid };
      const usable =
        enrollment?.status === 'active' && device?.userGuid === job.userGuid && device.revokedAt === undefined;
      if (!enrollment || !device || !usable) {
        // A revoked device is told nothing useful; the app's pending request ends instead of waiting for ever.
        if (device?.userGuid === job.userGuid) {
          const text = refusedSms(settings, job.kind);
          await deps.passwordDelivery.deliverOutcome(recipient, { state: 'failed', message: text }, appResultExpiry());
        }
        return { refused: device?.revokedAt ? 'device-revoked' : 'not-enrolled' };
      }
      // The app waits APP_RESULT_TTL_SECONDS for its answer; after that (or once it was answered) nobody would receive
      // a new password, so a late or redriven job must not change one.
      if (!(await deps.passwordDelivery.isAwaiting(recipient, deps.clock.now()))) {
        logger.info('app request no longer awaited: nothing done', { userGuid: job.userGuid });
        return { refused: 'request-expired' };
      }
      return appRequester(enrollment, device, recipient);
    }
    const phone = enrollment?.phoneE164;
    // No answer at all: the number may no longer belong to this user.
    if (!enrollment || enrollment.status !== 'active' || !enrollment.methods.sms || !phone)
      return { refused: 'not-enrolled' };
    if (await deps.optOutList.isOptedOut(phone)) {
      logger.info('requester opted out of SMS: nothing done, nothing sent', { userGuid: job.userGuid });
      return { refused: 'opted-out' };
    }
    return smsRequester(enrollment, phone, replyNumberOf(job, enrollment), job.helpDesk !== undefined);
  }

  /**
   * The number every SMS of the job goes from: the one the user texted (a reply from another number would start a
   * second thread), else the one the user saved at setup, else the default.
   */
  function replyNumberOf(job: AccountJob, enrollment: Enrollment): string | undefined {
    if (job.replyFrom && settings.replyNumbers.includes(job.replyFrom)) return job.replyFrom;
    return enrollment.senderNumber ?? settings.smsFrom;
  }

  function smsRequester(
    enrollment: Enrollment,
    phone: string,
    from: string | undefined,
    byHelpDesk: boolean,
  ): Requester {
    // Checked again right before every message: a STOP may arrive while the job runs.
    const send = async (body: string): Promise<boolean> =>
      (await sendUnlessOptedOut(deps, { to: phone, body, ...(from ? { from } : {}) }, deps.clock.now())) === 'sent';
    return {
      enrollment,
      tell: (text) => send(byHelpDesk ? helpDeskSms(settings, text) : text),
      deliverPassword: (password, waitAdvised) => {
        const text = newPasswordSms(settings, password, settings.forceChange, waitAdvised);
        return send(byHelpDesk ? helpDeskSms(settings, text) : text);
      },
    };
  }

  function appRequester(enrollment: Enrollment, device: Device, recipient: AppRequestRecipient): Requester {
    return {
      enrollment,
      tell: async (_text, appOutcome) => {
        await deps.passwordDelivery.deliverOutcome(recipient, appOutcome, appResultExpiry());
        return true;
      },
      deliverPassword: async (password) => {
        await deps.passwordDelivery.deliverPassword(recipient, password, appResultExpiry());
        const pushToken = device.pushToken;
        if (pushToken) {
          await bestEffort('sending the push', () =>
            deps.pushSender.send({
              target: pushToken,
              title: settings.productName,
              body: 'Your new password is ready',
              data: { requestId: recipient.jobId },
            }),
          );
        }
        return true;
      },
    };
  }

  /** The account by its stored objectGUID, checked again right before any write, or why it must not be touched. */
  async function eligibleUser(job: AccountJob): Promise<DirectoryUser | RefusalReason> {
    let user: DirectoryUser | undefined;
    try {
      user = await directory.findUserByGuid(job.userGuid);
    } catch (error) {
      if (error instanceof AmbiguousUserError) return 'ambiguous';
      throw error;
    }
    if (!user) return 'not-found';
    return ineligibilityOf(user, await directory.isProtected(user), deps.clock.now()) ?? user;
  }

  async function reset(job: AccountJob, requester: Requester): Promise<JobOutcome> {
    const user = await withFinalErrorsAsRefusal(() => eligibleUser(job));
    if (typeof user === 'string') return refuse(job, requester, user);
    const policy = await withFinalErrorsAsRefusal(() => directory.readEffectivePolicy(user));
    if (typeof policy === 'string') return refuse(job, requester, policy);
    const accountNames = [user.samAccountName, user.displayName ?? '', requester.enrollment.displayName].filter(
      Boolean,
    );

    for (let attempt = 1; ; attempt += 1) {
      // The password lives in this block only: handed to AD, then (once accepted) to the requester's channel.
      // A refusal most often means a policy the service account cannot read (by default only admins may read
      // fine-grained PSOs), usually a longer minimum: each new try is four characters longer.
      const configuredMinLength = settings.passwordMinLength + (attempt - 1) * REJECTED_PASSWORD_GROWTH;
      const password = generatePassword({ policy, configuredMinLength, accountNames });
      let write: PasswordWrite;
      try {
        write = await directory.resetPassword(user, password, {
          forceChange: settings.forceChange,
          unlock: settings.unlockOnReset,
        });
      } catch (error) {
        if (error instanceof PasswordRejectedError && attempt <= settings.rejectionRetries) {
          logger.warn('AD rejected a generated password; trying a new one', { userGuid: job.userGuid, attempt });
          continue;
        }
        if (error instanceof PasswordRejectedError) return refuse(job, requester, 'password-rejected');
        if (error instanceof DirectoryOperationError || error instanceof NotFoundError)
          return refuse(job, requester, 'directory-error');
        throw error;
      }
      const dontExpirePassword = (user.userAccountControl & userAccountControl.dontExpirePassword) !== 0;
      logger.info('password reset in AD', {
        userGuid: job.userGuid,
        attempts: attempt,
        dontExpirePassword,
        policySource: policy.source.kind,
        dc: write.dc,
      });
      const replication = await confirmReplication(job, user, write);
      if (
        !(await requester.deliverPassword(
          password,
          replication.some((check) => check.state === 'behind'),
        ))
      ) {
        logger.warn('new password not sent: the number opted out', { userGuid: job.userGuid });
        await noticeOfUntextedPassword(job, requester.enrollment);
        return { result: 'failed', reason: 'opted-out' };
      }
      await notifyByEmail(job, requester.enrollment);
      // pwdLastSet=0 has no effect on such accounts: the admins see it in the audit trail.
      return dontExpirePassword ? { result: 'success', reason: 'dont-expire-password' } : { result: 'success' };
    }
  }

  /**
   * Polls the other DCs for the new password (bounded by REPLICATION_CONFIRM_SECONDS, well inside the worker's
   * timeout) and records per DC whether and when it had it. Never fails the job: the password is set either way.
   */
  async function confirmReplication(
    job: AccountJob,
    user: DirectoryUser,
    write: PasswordWrite,
  ): Promise<ReplicationCheck[]> {
    if (settings.replicationConfirmMs <= 0) return [];
    let checks: ReplicationCheck[];
    try {
      checks = await directory.confirmPasswordReplication(user, write, {
        timeoutMs: settings.replicationConfirmMs,
        intervalMs: REPLICATION_POLL_MS,
      });
    } catch (error) {
      logger.warn('confirming the new password on the other DCs failed', {
        userGuid: job.userGuid,
        error: error instanceof Error ? error.message : String(error),
      });
      return [];
    }
    if (checks.length === 0) return checks;
    const behind = checks.filter((check) => check.state === 'behind').length;
    if (behind > 0) deps.onReplicationBehind?.(behind);
    const summary = [
      `${write.dc}=written`,
      ...checks.map(
        (check) => `${check.dc}=${check.state}${check.seenAfterMs === undefined ? '' : `@${check.seenAfterMs}ms`}`,
      ),
    ].join(' ');
    logger.info('new password checked on the other DCs', { userGuid: job.userGuid, behind, replication: summary });
    await bestEffort('recording the replication check', () =>
      deps.auditLog.record({
        userGuid: job.userGuid,
        action: 'password-replication',
        channel: 'system',
        result: behind > 0 ? 'failed' : 'success',
        reason: summary,
        requestId: job.jobId,
        at: deps.clock.now(),
      }),
    );
    return checks;
  }

  async function unlock(job: AccountJob, requester: Requester): Promise<JobOutcome> {
    const user = await withFinalErrorsAsRefusal(() => eligibleUser(job));
    if (typeof user === 'string') return refuse(job, requester, user);
    const locked = await withFinalErrorsAsRefusal(() => directory.isLockedOut(user));
    if (typeof locked === 'string') return refuse(job, requester, locked);
    if (!locked) {
      await requester.tell(notLockedSms(settings), { state: 'not-locked' });
      await giveBackRequest(job);
      return { result: 'success', reason: 'not-locked' };
    }
    const unlocked = await withFinalErrorsAsRefusal(() => directory.unlock(user));
    if (typeof unlocked === 'string') return refuse(job, requester, unlocked);
    logger.info('account unlocked in AD', { userGuid: job.userGuid, dc: unlocked.dc });
    await requester.tell(unlockedSms(settings), { state: 'unlocked' });
    await notifyByEmail(job, requester.enrollment);
    return { result: 'success' };
  }

  /**
   * Takes the request back from the hourly and daily limits it was counted on (SMS and app share them) when it was
   * counted: the job's requestedAt. A failure costs the user a request, nothing else: logged, never retried.
   */
  async function giveBackRequest(job: AccountJob): Promise<void> {
    await bestEffort('giving back a not-locked unlock', async () => {
      const refund = await deps.rateLimiter.hit(`unlock-refunds#${job.userGuid}`, NOT_LOCKED_REFUNDS_PER_HOUR, 3600);
      if (!refund.allowed) return;
      const countedAt = new Date(job.requestedAt);
      await deps.rateLimiter.refund(resetLimitKeys.hour(job.userGuid), 3600, countedAt);
      await deps.rateLimiter.refund(resetLimitKeys.day(job.userGuid), 86_400, countedAt);
    });
  }

  /** Final directory answers (rights, unwilling to perform, vanished entry) end the job; unavailability is retried. */
  async function withFinalErrorsAsRefusal<T>(operation: () => Promise<T>): Promise<T | 'directory-error'> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof DirectoryOperationError || error instanceof NotFoundError) {
        logger.error('directory refused an operation of an account job', { error: error.message });
        return 'directory-error';
      }
      throw error;
    }
  }

  async function refuse(job: AccountJob, requester: Requester, reason: RefusalReason): Promise<JobOutcome> {
    deps.onRefused(reason);
    logger.warn('account job refused', { userGuid: job.userGuid, reason });
    const text = refusedSms(settings, job.kind);
    await requester.tell(text, { state: 'failed', message: text });
    return { result: reason === 'directory-error' ? 'failed' : 'refused', reason };
  }

  /**
   * AD has the new password, but the number opted out before the SMS went (a STOP racing the job): the user is told
   * by email that the old password is gone and how to get a new one, and the attempt is audited either way.
   */
  async function noticeOfUntextedPassword(job: AccountJob, enrollment: Enrollment): Promise<void> {
    let result: 'success' | 'failed' = 'failed';
    if (enrollment.mail) {
      const email = passwordNotTextedEmail(
        settings,
        { mail: enrollment.mail, displayName: enrollment.displayName },
        deps.clock.now(),
      );
      await bestEffort('sending the untexted-password notice', async () => {
        await deps.emailSender.send(email);
        result = 'success';
      });
    }
    await bestEffort('recording the untexted-password notice', () =>
      deps.auditLog.record({
        userGuid: job.userGuid,
        action: 'password-not-texted-notice',
        channel: 'system',
        result,
        reason: enrollment.mail ? 'opted-out' : 'no-mail',
        requestId: job.jobId,
        at: deps.clock.now(),
      }),
    );
  }

  async function notifyByEmail(job: AccountJob, enrollment: Enrollment): Promise<void> {
    if (!enrollment.mail) return;
    const email = accountChangedEmail(
      settings,
      { mail: enrollment.mail, displayName: enrollment.displayName },
      {
        kind: job.kind,
        channel: job.helpDesk ? 'help-desk' : job.channel,
        at: deps.clock.now(),
      },
    );
    // The change is done and the user has their answer: a failed notice must not make SQS run the job again.
    await bestEffort('sending the email notice', () => deps.emailSender.send(email));
  }

  /** Audit and ledger once the job's effect is final; failures are logged, never turned into a second run. */
  async function finish(job: AccountJob, outcome: JobOutcome): Promise<void> {
    const now = deps.clock.now();
    await bestEffort('recording the audit event', () =>
      deps.auditLog.record({
        userGuid: job.userGuid,
        action: job.kind,
        channel: job.helpDesk ? 'admin' : job.channel,
        result: outcome.result,
        ...(outcome.reason ? { reason: outcome.reason } : {}),
        ...(job.helpDesk ? { actor: job.helpDesk.actor } : {}),
        requestId: job.jobId,
        at: now,
      }),
    );
    await bestEffort('completing the job in the ledger', () =>
      deps.jobLedger.complete(job.jobId, outcome, now, new Date(now.getTime() + LEDGER_KEEP_MS)),
    );
    logger.info('account job finished', { userGuid: job.userGuid, result: outcome.result, reason: outcome.reason });
  }

  async function bestEffort(what: string, action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (error) {
      logger.error(`${what} failed`, {
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
    }
  }

  function appResultExpiry(): Date {
    return new Date(deps.clock.now().getTime() + settings.appResultTtlSeconds * 1000);
  }

  return {
    reset: (job: Extract<AccountJob, { kind: 'reset' }>, delivery: AccountJobDelivery) => run(job, delivery),
    unlock: (job: Extract<AccountJob, { kind: 'unlock' }>, delivery: AccountJobDelivery) => run(job, delivery),
  };
}
