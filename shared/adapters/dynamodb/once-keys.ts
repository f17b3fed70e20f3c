import type { Clock } from '../../ports/clock.js';
import type { OnceKeys } from '../../ports/once-keys.js';
import { ttlSeconds, wroteIfConditionHeld } from './table.js';
import { BlinkTableAdapter } from './table-adapter.js';

/*
 * Item layout: pk ONCE#<key>, sk ONCE, keepUntil (ISO time), expiresAt (TTL, epoch seconds).
 * One conditional put: of two concurrent first sightings exactly one succeeds. A key whose keepUntil has passed
 * counts as unrecorded, checked in the condition itself, since TTL deletes up to days late (dynalite never does).
 */

export const onceKeyItem = (key: string) => ({ pk: `ONCE#${key}`, sk: 'ONCE' });

export class DynamoOnceKeys extends BlinkTableAdapter<{ tableName: string; clock: Clock }> implements OnceKeys {
  async recordFirst(key: string, keepUntil: Date): Promise<boolean> {
    return wroteIfConditionHeld(() =>
      this.putItem(
        { ...onceKeyItem(key), kind: 'once-key', keepUntil: keepUntil.toISOString(), expiresAt: ttlSeconds(keepUntil) },
        {
          // ISO-8601 UTC strings of one fixed format compare in time order.
          ConditionExpression: 'attribute_not_exists(pk) OR keepUntil <= :now',
          ExpressionAttributeValues: { ':now': this.options.clock.now().toISOString() },
        },
      ),
    );
  }

  async forget(key: string): Promise<void> {
    await this.deleteItem(onceKeyItem(key));
  }
}
