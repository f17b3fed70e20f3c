import type { Logger } from '@aws-lambda-powertools/logger';
import type { InboundSms } from '../domain/inbound-sms.js';

/**
 * What an inbound SMS does. For now it records that the message arrived (ids only, never the body: it may hold a
 * code); keyword handling (RESET, UNLOCK, HELP, opt-out) replaces this.
 */
export function createInboundSmsUseCase(logger: Logger) {
  return async (message: InboundSms): Promise<void> => {
    logger.info('inbound SMS accepted', { inboundMessageId: message.inboundMessageId });
  };
}
