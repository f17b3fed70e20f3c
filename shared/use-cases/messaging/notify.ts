import type { Logger } from '../../ports/logger.js';

/**
 * Sends a notice about a change already saved: a failure is logged (the error's name only, never the message) and
 * swallowed, since the notice must not undo or fail the change it tells of.
 */
export async function notifyOrLog(
  logger: Pick<Logger, 'error'>,
  notice: string,
  userGuid: string,
  send: () => Promise<unknown>,
): Promise<void> {
  try {
    await send();
  } catch (error) {
    logger.error('notice could not be sent', {
      notice,
      userGuid,
      error: error instanceof Error ? error.name : 'unknown',
    });
  }
}
