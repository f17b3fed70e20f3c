import type { Logger } from '@aws-lambda-powertools/logger';
import type { JobHandlers } from '../../functions/directory-worker/handler.js';
import type { Directory } from '../ports/directory.js';
import type { LockoutWatch } from './lockout/lockout-watch.js';
import type { createAccountJobs } from './reset/account-jobs.js';

export interface DirectoryJobDependencies {
  directory: Directory;
  logger: Logger;
  lockoutWatch: LockoutWatch;
  /** Reset and unlock (shared/use-cases/reset). */
  accountJobs: ReturnType<typeof createAccountJobs>;
}

/** What the directory worker does per job kind. Used unchanged by the Lambda and the local runtime. */
export function createDirectoryJobHandlers({ directory, logger, lockoutWatch, accountJobs }: DirectoryJobDependencies): JobHandlers {
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
  };
}
