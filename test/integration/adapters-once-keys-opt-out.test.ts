import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoOnceKeys } from '../../shared/adapters/dynamodb/once-keys';
import { DynamoOptOutList } from '../../shared/adapters/dynamodb/opt-out-list';
import { useBlinkTable } from '../support/local-service';
import { ManualClock } from '../support/manual-clock';

// The OnceKeys and OptOutList adapters against dynalite, with the item layout of docs/design/reset.md.

const TABLE = 'blink-once-opt-out-test';
const clock = new ManualClock('2026-11-26T12:00:00.000Z');

const dynamo = useBlinkTable(TABLE);

const inSeconds = (seconds: number) => new Date(clock.now().getTime() + seconds * 1000);

describe('DynamoOnceKeys', () => {
  let onceKeys: DynamoOnceKeys;
  beforeAll(() => {
    onceKeys = new DynamoOnceKeys(dynamo.client, { tableName: TABLE, clock });
  });

  it('is true the first time only, and stores the key as pk ONCE#<key> with a TTL', async () => {
    const key = `inbound-sms#${randomUUID()}`;
    const keepUntil = inSeconds(7 * 86_400);
    expect(await onceKeys.recordFirst(key, keepUntil)).toBe(true);
    expect(await onceKeys.recordFirst(key, keepUntil)).toBe(false);
    expect(await onceKeys.recordFirst(key, inSeconds(60))).toBe(false);

    const { Item } = await dynamo.client.send(
      new GetCommand({ TableName: TABLE, Key: { pk: `ONCE#${key}`, sk: 'ONCE' } }),
    );
    expect(Item).toEqual(
      expect.objectContaining({ keepUntil: keepUntil.toISOString(), expiresAt: Math.ceil(keepUntil.getTime() / 1000) }),
    );
  });

  it('gives exactly one true to concurrent first sightings of one key', async () => {
    for (let round = 0; round < 5; round++) {
      const key = `inbound-sms#${randomUUID()}`;
      const results = await Promise.all(Array.from({ length: 8 }, () => onceKeys.recordFirst(key, inSeconds(3600))));
      expect(results.filter(Boolean)).toHaveLength(1);
    }
  });

  it('keeps keys apart', async () => {
    const a = `lockout-alert#${randomUUID()}#133000000000000000`;
    const b = `lockout-alert#${randomUUID()}#133000000000000000`;
    expect(await onceKeys.recordFirst(a, inSeconds(60))).toBe(true);
    expect(await onceKeys.recordFirst(b, inSeconds(60))).toBe(true);
  });

  it('holds a key until keepUntil and not after, whether or not TTL deleted the item yet', async () => {
    const key = `inbound-sms#${randomUUID()}`;
    expect(await onceKeys.recordFirst(key, inSeconds(300))).toBe(true);
    clock.advanceSeconds(299);
    expect(await onceKeys.recordFirst(key, inSeconds(300))).toBe(false);
    clock.advanceSeconds(1);
    expect(await onceKeys.recordFirst(key, inSeconds(300))).toBe(true);
    expect(await onceKeys.recordFirst(key, inSeconds(300))).toBe(false);
  });

  it('forgets a key, so the retry of failed work is not a duplicate', async () => {
    const key = `inbound-sms#${randomUUID()}`;
    expect(await onceKeys.recordFirst(key, inSeconds(600))).toBe(true);
    await onceKeys.forget(key);
    expect(await onceKeys.recordFirst(key, inSeconds(600))).toBe(true);
    expect(await onceKeys.recordFirst(key, inSeconds(600))).toBe(false);
    await expect(onceKeys.forget(`inbound-sms#${randomUUID()}`)).resolves.toBeUndefined();
  });
});

describe('DynamoOptOutList', () => {
  let list: DynamoOptOutList;
  beforeAll(() => {
    list = new DynamoOptOutList(dynamo.client, { tableName: TABLE });
  });

  it('records an opt-out as pk OPTOUT#<e164> until the number opts in again', async () => {
    const phone = '+12015550142';
    expect(await list.isOptedOut(phone)).toBe(false);
    await list.optOut(phone, clock.now());
    expect(await list.isOptedOut(phone)).toBe(true);
    expect(await list.isOptedOut('+12015550143')).toBe(false);
    const { Item } = await dynamo.client.send(
      new GetCommand({ TableName: TABLE, Key: { pk: `OPTOUT#${phone}`, sk: 'OPTOUT' } }),
    );
    expect(Item).toEqual(expect.objectContaining({ optedOutAt: clock.now().toISOString() }));

    await list.optOut(phone, clock.now());
    expect(await list.isOptedOut(phone)).toBe(true);
    await list.optIn(phone);
    expect(await list.isOptedOut(phone)).toBe(false);
    await expect(list.optIn(phone)).resolves.toBeUndefined();
  });
});
