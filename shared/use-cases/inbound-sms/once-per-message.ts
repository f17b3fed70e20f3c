import type { InboundSms } from '../../domain/inbound-sms.js';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { OnceKeys } from '../../ports/once-keys.js';

/** How one entry (the message itself, or its record once given up on) claims a message and names it in its logs. */
export interface InboundClaim {
  /** The OnceKeys key is `<keyPrefix>#<inboundMessageId>`. */
  keyPrefix: string;
  /** How long the id is remembered: at least as long as the entry may deliver the same message again. */
  keepSeconds: number;
  /** What the logs call the message, e.g. `inbound SMS`. */
  subject: string;
  /** Logged with the outcome once handled, besides the message id. */
  handledFields?: Record<string, string>;
}

/**
 * Acts on an inbound message at most once per message id: a message to a number that is not ours is ignored, a
 * redelivered one is a duplicate. When `act` fails the id is forgotten and the error thrown, so the delivery's retry
 * is acted on instead of being dropped as a duplicate.
 */
export async function actOncePerMessage<Outcome extends string>(
  deps: { onceKeys: OnceKeys; clock: Clock; logger: Logger; settings: { inboundNumbers: string[] } },
  message: InboundSms,
  claim: InboundClaim,
  act: (now: Date) => Promise<Outcome>,
): Promise<Outcome | 'not-our-number' | 'duplicate'> {
  const { onceKeys, logger } = deps;
  const { inboundMessageId } = message;
  if (!deps.settings.inboundNumbers.includes(message.destinationNumber)) {
    logger.warn(`${claim.subject} to a number that is not ours ignored`, { inboundMessageId });
    return 'not-our-number';
  }
  const now = deps.clock.now();
  const onceKey = `${claim.keyPrefix}#${inboundMessageId}`;
  if (!(await onceKeys.recordFirst(onceKey, new Date(now.getTime() + claim.keepSeconds * 1000)))) {
    logger.info(`${claim.subject} already handled`, { inboundMessageId });
    return 'duplicate';
  }
  try {
    const outcome = await act(now);
    logger.info(`${claim.subject} handled`, { inboundMessageId, ...claim.handledFields, outcome });
    return outcome;
  } catch (error) {
    await onceKeys.forget(onceKey).catch((forgetError: unknown) =>
      logger.error(`could not forget the id of a failed ${claim.subject}; its retry will be ignored`, {
        inboundMessageId,
        error: forgetError instanceof Error ? forgetError.name : 'unknown',
      }),
    );
    throw error;
  }
}
