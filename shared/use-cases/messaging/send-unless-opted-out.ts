import { OptedOutError } from '../../domain/errors.js';
import type { OptOutList } from '../../ports/opt-out-list.js';
import type { OutboundSms, SmsSender } from '../../ports/sms-sender.js';

/** What became of a message: sent, not sent to a number on our opt-out list, or refused by the carrier's. */
export type OptOutAwareOutcome = 'sent' | 'opted-out' | 'opted-out-with-carrier';

export interface OptOutAwareSmsDependencies {
  smsSender: SmsSender;
  optOutList: OptOutList;
}

/**
 * Sends `message` unless its number opted out (STOP). When the carrier or End User Messaging knows of an opt-out we
 * did not, it is kept (`optedOutAt`) so that nothing more is sent there. `beforeSend` runs only when the message
 * will be tried. Any other failure of the send is thrown, for the caller to retry or report.
 */
export async function sendUnlessOptedOut(
  deps: OptOutAwareSmsDependencies,
  message: OutboundSms,
  optedOutAt: Date,
  beforeSend?: () => Promise<unknown>,
): Promise<OptOutAwareOutcome> {
  if (await deps.optOutList.isOptedOut(message.to)) return 'opted-out';
  await beforeSend?.();
  try {
    await deps.smsSender.send(message);
    return 'sent';
  } catch (error) {
    if (!(error instanceof OptedOutError)) throw error;
    await deps.optOutList.optOut(message.to, optedOutAt);
    return 'opted-out-with-carrier';
  }
}
