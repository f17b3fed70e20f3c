import * as z from 'zod';
import type { ChangeWatermark } from '../../ports/directory.js';
import type { ScanWatermark, ScanWatermarkStore } from '../../ports/scan-watermark-store.js';
import { wroteIfConditionHeld } from './table.js';
import { BlinkTableAdapter } from './table-adapter.js';

/*
 * Item layout: pk SCAN-WATERMARK#<dc invocationId>   sk SCAN-WATERMARK   dcName, highestCommittedUsn (number),
 * recordedAt and fullScanAt (ISO times). One item per DC, updated with a condition so that it never moves back.
 */

const isoDate = z.iso.datetime().transform((value) => new Date(value));
const itemSchema = z.object({
  dc: z.string(),
  dcName: z.string(),
  highestCommittedUsn: z.number().int().min(0),
  recordedAt: isoDate,
  fullScanAt: isoDate.optional(),
});

const key = (dc: string) => ({ pk: `SCAN-WATERMARK#${dc}`, sk: 'SCAN-WATERMARK' });

export class DynamoScanWatermarkStore extends BlinkTableAdapter implements ScanWatermarkStore {
  async get(dc: string): Promise<ScanWatermark | undefined> {
    const stored = await this.getItem(key(dc));
    if (!stored) return undefined;
    const item = itemSchema.parse(stored);
    // No full scan recorded (the item was deleted while an incremental scan ran): the next scan is a full one.
    return { ...item, fullScanAt: item.fullScanAt ?? new Date(0) };
  }

  async record(watermark: ChangeWatermark, scan: { startedAt: Date; full: boolean }): Promise<boolean> {
    // ISO-8601 UTC strings of one fixed format compare in time order.
    const condition = ['attribute_not_exists(pk)', '#usn <= :usn', ...(scan.full ? ['#recordedAt < :at'] : [])];
    return wroteIfConditionHeld(() =>
      this.updateItem(key(watermark.dc), {
        UpdateExpression: `SET #kind = :kind, #dc = :dc, #dcName = :dcName, #usn = :usn, #recordedAt = :at${scan.full ? ', #fullScanAt = :at' : ''}`,
        ConditionExpression: condition.join(' OR '),
        ExpressionAttributeNames: {
          '#kind': 'kind',
          '#dc': 'dc',
          '#dcName': 'dcName',
          '#usn': 'highestCommittedUsn',
          '#recordedAt': 'recordedAt',
          ...(scan.full ? { '#fullScanAt': 'fullScanAt' } : {}),
        },
        ExpressionAttributeValues: {
          ':kind': 'scan-watermark',
          ':dc': watermark.dc,
          ':dcName': watermark.dcName,
          ':usn': watermark.highestCommittedUsn,
          ':at': scan.startedAt.toISOString(),
        },
      }),
    );
  }
}
