import { randomBytes, randomUUID } from 'node:crypto';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoAuditLog } from '../../shared/adapters/dynamodb/audit-log';
import { DynamoEnrollmentStore } from '../../shared/adapters/dynamodb/enrollment-store';
import { DynamoRateLimiter } from '../../shared/adapters/dynamodb/rate-limiter';
import type { Enrollment } from '../../shared/domain/enrollment';
import { ConcurrentUpdateError } from '../../shared/domain/errors';
import type { IssuedSecret } from '../../shared/domain/issued-secret';
import type { AuditEvent } from '../../shared/ports/audit-log';
import { localTarget } from '../support/local-aws';
import { useBlinkTable } from '../support/local-service';
import { ManualClock } from '../support/manual-clock';

const TABLE = 'blink-test';

const dynamo = useBlinkTable(TABLE);

function enrollment(overrides: Partial<Enrollment> = {}): Enrollment {
  return {
    userGuid: randomUUID(),
    dn: 'CN=Ada Lovelace,OU=Staff,DC=blink,DC=test',
    samAccountName: 'ada',
    displayName: 'Ada Lovelace',
    mail: 'ada@blink.test',
    status: 'active',
    methods: { sms: true, app: false },
    verificationFailures: 0,
    activatedAt: new Date('2026-11-01T09:00:00.000Z'),
    createdAt: new Date('2026-11-01T10:00:00.000Z'),
    updatedAt: new Date('2026-11-01T10:00:00.000Z'),
    version: 0,
    ...overrides,
  };
}

function secret(overrides: Partial<IssuedSecret> = {}): IssuedSecret {
  return {
    purpose: 'sms-code',
    hash: randomBytes(32).toString('hex'),
    userGuid: randomUUID(),
    issuedAt: new Date('2026-11-26T12:00:00.000Z'),
    expiresAt: new Date('2026-11-26T12:10:00.000Z'),
    ...overrides,
  };
}

const during = new Date('2026-11-26T12:05:00.000Z');

describe('DynamoEnrollmentStore', () => {
  let store: DynamoEnrollmentStore;
  beforeAll(() => {
    store = new DynamoEnrollmentStore(dynamo.client, { tableName: TABLE });
  });

  it('saves a new enrollment and reads it back with version 1 and real dates', async () => {
    const record = enrollment({ phoneE164: '+14155550123' });
    await store.save(record, 0);
    expect(await store.get(record.userGuid)).toEqual({ ...record, version: 1 });
    expect(await store.get(randomUUID())).toBeUndefined();
  });

  it('refuses a second create and a save with a stale version (optimistic concurrency)', async () => {
    const record = enrollment();
    await store.save(record, 0);
    await expect(store.save(record, 0)).rejects.toBeInstanceOf(ConcurrentUpdateError);

    const current = await store.get(record.userGuid);
    expect(current?.version).toBe(1);
    await store.save({ ...record, displayName: 'First writer' }, 1);
    await expect(store.save({ ...record, displayName: 'Second writer' }, 1)).rejects.toBeInstanceOf(
      ConcurrentUpdateError,
    );
    expect(await store.get(record.userGuid)).toMatchObject({ displayName: 'First writer', version: 2 });
  });

  it('finds active enrollments by phone through the index, and forgets them when revoked or the phone changes', async () => {
    const phone = '+447911123456';
    const first = enrollment({ phoneE164: phone });
    const second = enrollment({ phoneE164: phone, samAccountName: 'grace' });
    const activated = enrollment({ phoneE164: phone, status: 'activated' });
    const other = enrollment({ phoneE164: '+447911654321' });
    for (const record of [first, second, activated, other]) await store.save(record, 0);

    const found = await store.findByPhone(phone);
    expect(found.map((record) => record.userGuid).sort()).toEqual([first.userGuid, second.userGuid].sort());

    await store.save({ ...first, status: 'revoked' }, 1);
    await store.save({ ...second, phoneE164: '+447911000111' }, 1);
    expect(await store.findByPhone(phone)).toEqual([]);
    expect((await store.findByPhone('+447911000111')).map((record) => record.userGuid)).toEqual([second.userGuid]);
  });

  it('stores a secret and consumes it exactly once', async () => {
    const issued = secret();
    await store.putSecret(issued);
    expect(await store.findSecret('sms-code', issued.hash)).toEqual(issued);

    const consumed = await store.consumeSecret('sms-code', issued.hash, during);
    expect(consumed).toEqual({ ...issued, usedAt: during });
    expect(await store.consumeSecret('sms-code', issued.hash, during)).toBeUndefined();
    expect(await store.findSecret('sms-code', issued.hash)).toEqual({ ...issued, usedAt: during });
  });

  it('does not consume an unknown secret, one of another purpose, or an expired one', async () => {
    const issued = secret();
    await store.putSecret(issued);
    expect(await store.consumeSecret('sms-code', randomBytes(32).toString('hex'), during)).toBeUndefined();
    expect(await store.consumeSecret('activation', issued.hash, during)).toBeUndefined();
    expect(await store.consumeSecret('sms-code', issued.hash, issued.expiresAt)).toBeUndefined();
    expect(await store.consumeSecret('sms-code', issued.hash, new Date('2026-11-26T12:10:00.001Z'))).toBeUndefined();
    // Still usable just before it expires: the refusals above did not consume it.
    expect(await store.consumeSecret('sms-code', issued.hash, new Date('2026-11-26T12:09:59.999Z'))).toBeDefined();
  });

  it('supersedes the earlier secret of the same purpose for the same user, and only that one', async () => {
    const userGuid = randomUUID();
    const older = secret({ userGuid });
    const activation = secret({ userGuid, purpose: 'activation', expiresAt: new Date('2026-11-28T12:00:00.000Z') });
    const otherUser = secret();
    await store.putSecret(older);
    await store.putSecret(activation);
    await store.putSecret(otherUser);
    const newer = secret({ userGuid, issuedAt: new Date('2026-11-26T12:01:00.000Z') });
    await store.putSecret(newer);

    expect(await store.findSecret('sms-code', older.hash)).toBeUndefined();
    expect(await store.consumeSecret('sms-code', older.hash, during)).toBeUndefined();
    expect(await store.consumeSecret('sms-code', newer.hash, during)).toMatchObject({ hash: newer.hash, userGuid });
    expect(await store.consumeSecret('activation', activation.hash, during)).toMatchObject({ hash: activation.hash });
    expect(await store.consumeSecret('sms-code', otherUser.hash, during)).toMatchObject({ hash: otherUser.hash });
  });

  it('completes the supersession an interrupted issue left undone when the next secret is issued', async () => {
    const userGuid = randomUUID();
    const first = secret({ userGuid });
    await store.putSecret(first);
    // An issue that stopped after registering and writing its secret, before superseding the first one.
    const interrupted = secret({ userGuid });
    await dynamo.client.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { pk: `USER#${userGuid}`, sk: 'SECRETS#sms-code' },
        UpdateExpression: 'ADD liveHashes :hash',
        ExpressionAttributeValues: { ':hash': new Set([interrupted.hash]) },
      }),
    );
    await dynamo.client.send(
      new PutCommand({
        TableName: TABLE,
        Item: {
          pk: `SECRET#sms-code#${interrupted.hash}`,
          sk: 'SECRET',
          purpose: 'sms-code',
          hash: interrupted.hash,
          userGuid,
          issuedAt: interrupted.issuedAt.toISOString(),
          validUntil: interrupted.expiresAt.toISOString(),
        },
      }),
    );
    expect(await store.findSecret('sms-code', first.hash)).toBeDefined();

    const latest = secret({ userGuid });
    await store.putSecret(latest);
    expect(await store.consumeSecret('sms-code', first.hash, during)).toBeUndefined();
    expect(await store.consumeSecret('sms-code', interrupted.hash, during)).toBeUndefined();
    expect(await store.consumeSecret('sms-code', latest.hash, during)).toBeDefined();
    const { Item } = await dynamo.client.send(
      new GetCommand({ TableName: TABLE, Key: { pk: `USER#${userGuid}`, sk: 'SECRETS#sms-code' } }),
    );
    expect(Item?.liveHashes).toEqual(new Set([latest.hash]));
  });

  it('lets exactly one of many concurrent consumers win a secret', async () => {
    for (let round = 0; round < 3; round += 1) {
      const issued = secret();
      await store.putSecret(issued);
      const attempts = await Promise.all(
        Array.from({ length: 10 }, () => store.consumeSecret('sms-code', issued.hash, during)),
      );
      expect(attempts.filter((result) => result !== undefined)).toHaveLength(1);
    }
  });

  it('stores the TTL attribute as epoch seconds and dates as ISO strings', async () => {
    const issued = secret();
    await store.putSecret(issued);
    const raw = new DynamoDBClient(localTarget(dynamo.standIn.endpoint));
    try {
      const { Item } = await raw.send(
        new GetItemCommand({
          TableName: TABLE,
          Key: { pk: { S: `SECRET#sms-code#${issued.hash}` }, sk: { S: 'SECRET' } },
        }),
      );
      expect(Item).toMatchObject({
        expiresAt: { N: String(issued.expiresAt.getTime() / 1000) },
        issuedAt: { S: '2026-11-26T12:00:00.000Z' },
      });
    } finally {
      raw.destroy();
    }
  });
});

describe('DynamoRateLimiter', () => {
  it('allows up to the limit in any sliding window, refuses after, and allows again as the oldest hit leaves it', async () => {
    const clock = new ManualClock('2026-11-26T12:00:10.000Z');
    const limiter = new DynamoRateLimiter(dynamo.client, { tableName: TABLE, clock });
    const key = `phone:${randomUUID()}`;

    expect(await limiter.hit(key, 3, 60)).toEqual({ allowed: true, remaining: 2, retryAfterSeconds: 60 });
    clock.advanceSeconds(5);
    expect(await limiter.hit(key, 3, 60)).toMatchObject({ allowed: true, remaining: 1 });
    expect(await limiter.hit(key, 3, 60)).toMatchObject({ allowed: true, remaining: 0 });
    clock.advanceSeconds(20);
    // The oldest hit (12:00:10) leaves the window at 12:01:10, 35 s from now.
    expect(await limiter.hit(key, 3, 60)).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 35 });
    // Another key and another window size count separately.
    expect(await limiter.hit(`${key}:other`, 3, 60)).toMatchObject({ allowed: true, remaining: 2 });
    expect(await limiter.hit(key, 10, 3600)).toMatchObject({ allowed: true, remaining: 9 });

    // A new minute of the clock changes nothing: the hits of the last 60 s still count.
    clock.set('2026-11-26T12:01:00.000Z');
    expect(await limiter.hit(key, 3, 60)).toMatchObject({ allowed: false, retryAfterSeconds: 10 });
    clock.set('2026-11-26T12:01:10.001Z');
    expect(await limiter.hit(key, 3, 60)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('refuses a second hit a second after the first across a window boundary (a fixed window let both through)', async () => {
    const clock = new ManualClock('2026-11-26T12:00:59.500Z');
    const limiter = new DynamoRateLimiter(dynamo.client, { tableName: TABLE, clock });
    const key = `resend:${randomUUID()}`;
    expect(await limiter.hit(key, 1, 60)).toMatchObject({ allowed: true });
    clock.advanceSeconds(1);
    expect(await limiter.hit(key, 1, 60)).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 59 });
    clock.advanceSeconds(59);
    expect(await limiter.hit(key, 1, 60)).toMatchObject({ allowed: true });
  });

  it('refuses everything under a limit of zero (a channel switched off)', async () => {
    const limiter = new DynamoRateLimiter(dynamo.client, {
      tableName: TABLE,
      clock: new ManualClock('2026-11-26T12:00:00.000Z'),
    });
    expect(await limiter.hit(`off:${randomUUID()}`, 0, 60)).toEqual({
      allowed: false,
      remaining: 0,
      retryAfterSeconds: 60,
    });
  });

  it('never lets concurrent hits overshoot the limit', async () => {
    const limiter = new DynamoRateLimiter(dynamo.client, {
      tableName: TABLE,
      clock: new ManualClock('2026-11-26T12:00:00.000Z'),
    });
    const key = `ip:${randomUUID()}`;
    const decisions = await Promise.all(Array.from({ length: 12 }, () => limiter.hit(key, 5, 300)));
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(5);
  });

  it("gives back the hit counted at the request's time while it is in the window, never below zero, never another one", async () => {
    const clock = new ManualClock('2026-11-26T12:59:30.000Z');
    const limiter = new DynamoRateLimiter(dynamo.client, { tableName: TABLE, clock });
    const key = `resets:${randomUUID()}`;
    const countedAt = clock.now();
    for (let i = 0; i < 3; i++) await limiter.hit(key, 3, 3600);
    expect(await limiter.hit(key, 3, 3600)).toMatchObject({ allowed: false });
    await limiter.refund(key, 3600, countedAt);
    expect(await limiter.hit(key, 3, 3600)).toMatchObject({ allowed: true, remaining: 0 });
    // A refund of a hit that already left the window (or of another key) leaves this one alone; an empty log stays empty.
    await limiter.refund(key, 3600, new Date('2026-11-26T11:30:00.000Z'));
    await limiter.refund(`${key}:other`, 3600, countedAt);
    expect(await limiter.hit(key, 3, 3600)).toMatchObject({ allowed: false });
    const fresh = `fresh:${randomUUID()}`;
    await limiter.refund(fresh, 3600, countedAt);
    await limiter.refund(fresh, 3600, countedAt);
    expect(await limiter.hit(fresh, 1, 3600)).toMatchObject({ allowed: true, remaining: 0 });
    expect(await limiter.hit(fresh, 1, 3600)).toMatchObject({ allowed: false });
    // Refunded late, after the clock's hour moved on: the hit is still in the last hour, so it is taken back.
    clock.set('2026-11-26T13:00:10.000Z');
    await limiter.refund(key, 3600, countedAt);
    clock.set('2026-11-26T12:59:50.000Z');
    expect(await limiter.hit(key, 3, 3600)).toMatchObject({ allowed: true, remaining: 0 });
  });
});

describe('DynamoAuditLog', () => {
  it("lists a user's events newest first, up to the limit, and keeps events without a user apart", async () => {
    const log = new DynamoAuditLog(dynamo.client, { tableName: TABLE, retentionDays: 365 });
    const userGuid = randomUUID();
    const times = ['2026-11-26T12:00:00.000Z', '2026-11-26T12:00:02.000Z', '2026-11-26T12:00:01.000Z'];
    for (const [index, at] of times.entries()) {
      await log.record({
        userGuid,
        action: `step-${index}`,
        channel: 'sms',
        result: 'success',
        at: new Date(at),
        requestId: `r${index}`,
      });
    }
    // Recorded at the same instant as step-1: both must come back.
    const sameInstant: AuditEvent = {
      userGuid,
      action: 'same-instant',
      channel: 'web',
      result: 'refused',
      reason: 'rate-limited',
      at: new Date(times[1] ?? ''),
    };
    await log.record(sameInstant);
    await log.record({
      action: 'lockout-scan',
      channel: 'system',
      result: 'success',
      at: new Date('2026-11-26T12:00:03.000Z'),
    });
    await log.record({
      userGuid: randomUUID(),
      action: 'someone-else',
      channel: 'app',
      result: 'failed',
      at: new Date(),
    });

    const all = await log.listForUser(userGuid, 10);
    expect(all).toHaveLength(4);
    expect(all.map((event) => event.at.toISOString())).toEqual([
      '2026-11-26T12:00:02.000Z',
      '2026-11-26T12:00:02.000Z',
      '2026-11-26T12:00:01.000Z',
      '2026-11-26T12:00:00.000Z',
    ]);
    expect(all).toContainEqual(sameInstant);
    expect(all.at(-1)).toEqual({
      userGuid,
      action: 'step-0',
      channel: 'sms',
      result: 'success',
      requestId: 'r0',
      at: new Date(times[0] ?? ''),
    });

    const latestTwo = await log.listForUser(userGuid, 2);
    expect(latestTwo.map((event) => event.at.toISOString())).toEqual([
      '2026-11-26T12:00:02.000Z',
      '2026-11-26T12:00:02.000Z',
    ]);
  });
});
