import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DeleteCommandInput,
  type DeleteCommandOutput,
  type DynamoDBDocumentClient,
  type PutCommandInput,
  type UpdateCommandInput,
  type UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { blinkTableKeys, queryAllItems } from './table.js';

/** The primary key of an item in the Blink table (see table.ts). */
export type TableKey = { pk: string; sk: string };

/** What a conditional put adds to its item: the condition and the names and values its expression uses. */
export type PutCondition = Omit<PutCommandInput, 'TableName' | 'Item'>;

/**
 * Base of the adapters over the single Blink table: the document client and options (at least the table name) each
 * one is built with, and the single-item calls they make. Reads are always consistent, since each read decides
 * something (a secret's use, a session, an opt-out) that an eventually consistent read could get wrong.
 */
export abstract class BlinkTableAdapter<Options extends { tableName: string } = { tableName: string }> {
  constructor(
    protected readonly client: DynamoDBDocumentClient,
    protected readonly options: Options,
  ) {}

  protected async putItem(item: Record<string, unknown>, condition: PutCondition = {}): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.options.tableName, Item: item, ...condition }));
  }

  protected async getItem(key: TableKey): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: key, ConsistentRead: true }),
    );
    return Item;
  }

  protected updateItem(
    key: TableKey,
    update: Omit<UpdateCommandInput, 'TableName' | 'Key'>,
  ): Promise<UpdateCommandOutput> {
    return this.client.send(new UpdateCommand({ TableName: this.options.tableName, Key: key, ...update }));
  }

  /** Every item of one partition of the overloaded index gsi1; eventually consistent, as every index read. */
  protected itemsInGsi1Partition(partition: string): Promise<Record<string, unknown>[]> {
    const { gsi1 } = blinkTableKeys;
    return queryAllItems(this.client, {
      TableName: this.options.tableName,
      IndexName: gsi1.indexName,
      KeyConditionExpression: '#gpk = :partition',
      ExpressionAttributeNames: { '#gpk': gsi1.partitionKey },
      ExpressionAttributeValues: { ':partition': partition },
    });
  }

  protected deleteItem(
    key: TableKey,
    options: Omit<DeleteCommandInput, 'TableName' | 'Key'> = {},
  ): Promise<DeleteCommandOutput> {
    return this.client.send(new DeleteCommand({ TableName: this.options.tableName, Key: key, ...options }));
  }
}

/**
 * Waits for writes started together because none depends on another; once all have settled, rejects with the first
 * failure, as the same writes made one after another would have. None is left in flight when the caller answers (a
 * Lambda may be frozen right after), and one failing no longer keeps the others from being made.
 */
export async function allWritten(writes: ReadonlyArray<Promise<unknown>>): Promise<void> {
  const failed = (await Promise.allSettled(writes)).find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}
