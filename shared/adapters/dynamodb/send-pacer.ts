import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { SendPacer } from '../../ports/send-pacer.js';
import { isConditionFailure } from './table.js';

/*
 * Item layout: pk SEND-PACE#<sender>   sk SEND-PACE   nextFreeAt (epoch ms): the end of the last reservation.
 * A reservation reads it and writes the new end on the condition that nobody moved it meanwhile (else reads again).
 */

const itemSchema = z.object({ nextFreeAt: z.number().int().min(0) });
const ATTEMPTS = 20;

export class DynamoSendPacer implements SendPacer {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly options: { tableName: string; sender: string },
  ) {}

  async reserve(seconds: number, now: Date): Promise<Date> {
    const key = { pk: `SEND-PACE#${this.options.sender}`, sk: 'SEND-PACE' };
    for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.options.tableName, Key: key, ConsistentRead: true }),
      );
      const previous = Item ? itemSchema.parse(Item).nextFreeAt : undefined;
      const start = Math.max(now.getTime(), previous ?? 0);
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.options.tableName,
            Item: { ...key, kind: 'send-pace', nextFreeAt: start + Math.ceil(seconds * 1000) },
            ConditionExpression: previous === undefined ? 'attribute_not_exists(pk)' : 'nextFreeAt = :previous',
            ...(previous === undefined ? {} : { ExpressionAttributeValues: { ':previous': previous } }),
          }),
        );
        return new Date(start);
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    throw new Error(`send pace of ${this.options.sender} kept changing: no reservation after ${ATTEMPTS} attempts`);
  }
}
