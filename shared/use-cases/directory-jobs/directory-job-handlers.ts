import type { Logger } from '../../ports/logger.js';
import type { DirectoryJob } from '../../domain/directory-job.js';
import type { Directory } from '../../ports/directory.js';
import type { ExpiryReminders } from '../expiry-reminders/index.js';
import type { LockoutWatch } from '../lockout/index.js';
import type { createAccountJobs } from '../reset/index.js';

type JobKind = DirectoryJob['kind'];
type JobOfKind<Kind extends JobKind> = Extract<DirectoryJob, { kind: Kind }>;

/** Facts about this delivery of a job (SQS delivers at least once, and again after a failure). */
export interface JobDelivery {
  /** ApproximateReceiveCount: 1 on the first delivery; at the queue's maxReceiveCount the next failure dead-letters it. */
  receiveCount: number;
}

/** What the worker does for each kind of job; every handler must be idempotent on jobId. */
export type JobHandlers = { [Kind in JobKind]: (job: JobOfKind<Kind>, delivery: JobDelivery) => Promise<void> };

export interface DirectoryJobDependencies {
  directory: Directory;
  logger: Logger;
  lockoutWatch: LockoutWatch;
  /** Reset and unlock (shared/use-cases/reset). */
  accountJobs: ReturnType<typeof createAccountJobs>;
  /** Password-expiry reminders (shared/use-cases/expiry-reminders). */
  expiryReminders: ExpiryReminders;
}

/** What the directory worker does per job kind. Used unchanged by the Lambda and the local runtime. */
export function createDirectoryJobHandlers({
  directory,
  logger,
  lockoutWatch,
  accountJobs,
  expiryReminders,
}: DirectoryJobDependencies): JobHandlers {
  return {
    ping: async () => {
      const { url } = await directory.checkHealth();
      logger.info('directory answered', { url });
    },
    'lockout-scan': async (job) => {
      const { locked, ...summary } = await lockoutWatch.scan(job.jobId);
      logger.info('lockout scan done', { lockedCount: locked, ...summary });
    },
    reset: (job, delivery) => accountJobs.reset(job, delivery),
    unlock: (job, delivery) => accountJobs.unlock(job, delivery),
    'password-expiry-scan': async (job) => {
      const summary = await expiryReminders.scan(job.jobId, job.after);
      logger.info('password expiry scan done', { ...summary });
    },
    'lockout-alert': async (job) => {
      const outcome = await lockoutWatch.sendQueuedAlert(job);
      logger.info('paced lockout alert handled', { userGuid: job.userGuid, outcome });
    },
    'expiry-reminder-sms': async (job) => {
      const outcome = await expiryReminders.sendQueuedSms(job);
      logger.info('paced expiry reminder SMS handled', { userGuid: job.userGuid, outcome });
    },
  };
}
