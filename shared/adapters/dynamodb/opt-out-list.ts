import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OptOutList } from '../../ports/opt-out-list.js';

/*
 * Item layout: pk OPTOUT#<e164>, sk OPTOUT, optedOutAt (ISO time). No TTL: an opt-out holds until START or UNSTOP.
 */

export const optOutItem = (phoneE164: string) => ({ pk: `OPTOUT#${phoneE164}`, sk: 'OPTOUT' });

export class DynamoOptOutList implements OptOutList {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly options: { tableName: string },
  ) {}

  async optOut(phoneE164: string, at: Date): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: { ...optOutItem(phoneE164), kind: 'opt-out', optedOutAt: at.toISOString() },
      }),
    );
  }

  async optIn(phoneE164: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.options.tableName, Key: optOutItem(phoneE164) }));
  }

  async isOptedOut(phoneE164: string): Promise<boolean> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: optOutItem(phoneE164), ConsistentRead: true }),
    );
    return Item !== undefined;
  }
}
