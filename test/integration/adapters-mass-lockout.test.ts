import { DynamoMassLockoutEvents } from '../../shared/adapters/dynamodb/mass-lockout-events';
import { DynamoSendPacer } from '../../shared/adapters/dynamodb/send-pacer';
import { useBlinkTable } from '../support/local-service';

// The mass-lockout event record and the SMS schedule's reservations against dynalite: their conditional writes are
// what keep two scans from telling the admins twice or from sending at twice the rate.

const TABLE = 'blink-mass-lockout-test';
const dynamo = useBlinkTable(TABLE);
const at = (minutes: number) => new Date(Date.parse('2026-12-05T10:00:00.000Z') + minutes * 60_000);

describe('DynamoSendPacer', () => {
  it('reserves consecutive runs from now or from the end of the last one, and concurrent runs never overlap', async () => {
    const pacer = new DynamoSendPacer(dynamo.client, { tableName: TABLE, sender: 'sms-a' });
    expect(await pacer.reserve(10, at(0))).toEqual(at(0));
    // Later request while the first run lasts: starts where it ends.
    expect(await pacer.reserve(5, new Date(at(0).getTime() + 3000))).toEqual(new Date(at(0).getTime() + 10_000));
    // Long after: starts now.
    expect(await pacer.reserve(1, at(5))).toEqual(at(5));

    const concurrent = await Promise.all(Array.from({ length: 6 }, () => pacer.reserve(2, at(10))));
    const starts = concurrent.map((start) => start.getTime() - at(10).getTime()).sort((a, b) => a - b);
    expect(starts).toEqual([0, 2000, 4000, 6000, 8000, 10_000]);
  });

  it('keeps senders apart', async () => {
    const first = new DynamoSendPacer(dynamo.client, { tableName: TABLE, sender: 'sms-b' });
    const second = new DynamoSendPacer(dynamo.client, { tableName: TABLE, sender: 'sms-c' });
    await first.reserve(100, at(0));
    expect(await second.reserve(1, at(0))).toEqual(at(0));
  });
});

describe('DynamoMassLockoutEvents', () => {
  let events: DynamoMassLockoutEvents;
  beforeAll(() => {
    events = new DynamoMassLockoutEvents(dynamo.client, { tableName: TABLE });
  });

  it('starts an event once, extends the running one, and starts a new one after it ended', async () => {
    expect(await events.activeAt(at(0))).toBeUndefined();
    expect(await events.startOrExtend(at(0), at(60), 120)).toBe(true);
    expect(await events.activeAt(at(59))).toEqual({ startedAt: at(0), endsAt: at(60), lockouts: 120 });
    expect(await events.activeAt(at(60))).toBeUndefined();

    expect(await events.startOrExtend(at(30), at(90), 80)).toBe(false);
    expect(await events.activeAt(at(89))).toEqual({ startedAt: at(0), endsAt: at(90), lockouts: 200 });

    expect(await events.startOrExtend(at(120), at(180), 60)).toBe(true);
    expect(await events.activeAt(at(121))).toEqual({ startedAt: at(120), endsAt: at(180), lockouts: 60 });
  });

  it('of two scans starting an event at once, exactly one starts it', async () => {
    const results = await Promise.all([
      events.startOrExtend(at(1000), at(1060), 300),
      events.startOrExtend(at(1000), at(1061), 250),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
