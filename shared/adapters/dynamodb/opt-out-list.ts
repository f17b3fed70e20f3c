import type { OptOutList } from '../../ports/opt-out-list.js';
import { BlinkTableAdapter } from './table-adapter.js';

/*
 * Item layout: pk OPTOUT#<e164>, sk OPTOUT, optedOutAt (ISO time). No TTL: an opt-out holds until START or UNSTOP.
 */

export const optOutItem = (phoneE164: string) => ({ pk: `OPTOUT#${phoneE164}`, sk: 'OPTOUT' });

export class DynamoOptOutList extends BlinkTableAdapter implements OptOutList {
  async optOut(phoneE164: string, at: Date): Promise<void> {
    await this.putItem({ ...optOutItem(phoneE164), kind: 'opt-out', optedOutAt: at.toISOString() });
  }

  async optIn(phoneE164: string): Promise<void> {
    await this.deleteItem(optOutItem(phoneE164));
  }

  async isOptedOut(phoneE164: string): Promise<boolean> {
    return (await this.getItem(optOutItem(phoneE164))) !== undefined;
  }
}
