import type { Logger } from '@aws-lambda-powertools/logger';
import type { JobHandlers } from '../functions/directory-worker/handler.js';
import type { InboundSms } from '../shared/domain/inbound-sms.js';
import type { Directory } from '../shared/ports/directory.js';

/**
 * The worker's job handlers until the issues that implement reset and unlock land. They only call ports, so the
 * deployed composition root (functions/directory-worker/index.ts) can take them over unchanged.
 */
export function createInterimJobHandlers(
  directory: Directory,
  logger: Logger,
  scan: { pageSize: number; timeBudgetMs: number },
): JobHandlers {
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
      throw new Error('reset jobs are not implemented yet (a later issue adds the reset use case)');
    },
    unlock: async () => {
      throw new Error('unlock jobs are not implemented yet (a later issue adds the unlock use case)');
    },
  };
}

/** Inbound SMS use case until keywords are implemented: note the message (ids only, never the body) and return. */
export function createInterimInboundSmsUseCase(logger: Logger, onHandled?: (message: InboundSms) => void) {
  return async (message: InboundSms): Promise<void> => {
    logger.info('inbound SMS not acted on yet (keywords come in a later issue)', { inboundMessageId: message.inboundMessageId });
    onHandled?.(message);
  };
}
