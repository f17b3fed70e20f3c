import type { Logger } from '@aws-lambda-powertools/logger';
import type { JobHandlers } from '../../functions/directory-worker/handler.js';
import type { Directory, LockoutScanOptions } from '../ports/directory.js';

export interface DirectoryJobDependencies {
  directory: Directory;
  logger: Logger;
  scan: LockoutScanOptions;
}

/**
 * What the directory worker does per job kind. Used unchanged by the Lambda and the local runtime. Reset and unlock
 * refuse until their use cases exist: such a job fails loudly and ends in the DLQ instead of being acked unread.
 */
export function createDirectoryJobHandlers({ directory, logger, scan }: DirectoryJobDependencies): JobHandlers {
  return {
    ping: async () => {
      const { url } = await directory.checkHealth();
      logger.info('directory answered', { url });
    },
    'lockout-scan': async () => {
      const result = await directory.scanLockedAccounts(scan);
      logger.info('lockout scan done', { lockedCount: result.locked.length, pages: result.pages, complete: result.complete });
    },
    reset: async () => {
      throw new Error('reset jobs are not supported yet');
    },
    unlock: async () => {
      throw new Error('unlock jobs are not supported yet');
    },
  };
}
