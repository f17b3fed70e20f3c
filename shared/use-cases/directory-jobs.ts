import type { Logger } from '@aws-lambda-powertools/logger';
import type { JobHandlers } from '../../functions/directory-worker/handler.js';
import type { Directory } from '../ports/directory.js';
import type { LockoutWatch } from './lockout/lockout-watch.js';

export interface DirectoryJobDependencies {
  directory: Directory;
  logger: Logger;
  lockoutWatch: LockoutWatch;
}

/**
 * What the directory worker does per job kind. Used unchanged by the Lambda and the local runtime. Reset and unlock
 * refuse until their use cases exist: such a job fails loudly and ends in the DLQ instead of being acked unread.
 */
export function createDirectoryJobHandlers({ directory, logger, lockoutWatch }: DirectoryJobDependencies): JobHandlers {
  return {
    ping: async () => {
      const { url } = await directory.checkHealth();
      logger.info('directory answered', { url });
    },
    'lockout-scan': async (job) => {
      const summary = await lockoutWatch.scan(job.jobId);
      logger.info('lockout scan done', { ...summary });
    },
    reset: async () => {
      throw new Error('reset jobs are not supported yet');
    },
    unlock: async () => {
      throw new Error('unlock jobs are not supported yet');
    },
  };
}
