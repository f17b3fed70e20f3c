import { dayOf } from '../../domain/reports.js';
import type { ReportCounters } from '../../ports/report-counters.js';
import type { OutboundSms, SmsSender } from '../../ports/sms-sender.js';

/**
 * Counts each SMS the provider accepted in the day's report counters (the portal's "SMS sent and estimated cost").
 * The message is already sent when the count is written: a failed count is dropped rather than failing the send.
 */
export class CountedSmsSender implements SmsSender {
  constructor(
    private readonly sender: SmsSender,
    private readonly counters: Pick<ReportCounters, 'addDaily'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async send(message: OutboundSms): Promise<{ messageId: string }> {
    const sent = await this.sender.send(message);
    await this.counters.addDaily(dayOf(this.now()), ['sms-sent']).catch(() => undefined);
    return sent;
  }
}
