import { randomUUID } from 'node:crypto';
import { DynamoReportCounters } from '../../shared/adapters/dynamodb/report-counters';
import { DynamoAuditLog } from '../../shared/adapters/dynamodb/audit-log';
import { useBlinkTable } from '../support/local-service';

// The counters behind the portal's Reports page, on dynalite: written as events happen (audit events, enrollment
// saves), read back by day without reading any user, and exact when saves of one user race.
const TABLE = 'blink-report-counters-test';
const dynamo = useBlinkTable(TABLE);
let counters: DynamoReportCounters;

beforeAll(() => {
  counters = new DynamoReportCounters(dynamo.client, { tableName: TABLE });
});

const at = (day: string) => new Date(`${day}T12:00:00.000Z`);

test('audit events add to their day: by channel, failures, dead letters; other days are left alone', async () => {
  const audit = new DynamoAuditLog(dynamo.client, { tableName: TABLE });
  const userGuid = randomUUID();
  const record = (day: string, action: string, channel: 'sms' | 'app', result: 'success' | 'failed', reason?: string) =>
    audit.record({ userGuid, action, channel, result, ...(reason ? { reason } : {}), at: at(day) });
  await record('2026-05-01', 'reset', 'sms', 'success');
  await record('2026-05-01', 'reset', 'sms', 'success');
  await record('2026-05-01', 'unlock', 'app', 'success');
  await record('2026-05-02', 'unlock', 'sms', 'failed', 'directory-unavailable');
  await record('2026-05-04', 'reset', 'app', 'success');

  expect(await counters.readDaily('2026-05-01', '2026-05-03')).toEqual([
    { day: '2026-05-01', 'reset.sms': 2, 'unlock.app': 1 },
    { day: '2026-05-02', failures: 1, dlq: 1 },
  ]);
});

test('coverage moves a user between states once per change, and keeps each day totals', async () => {
  const ada = randomUUID();
  const bob = randomUUID();
  await counters.trackCoverage(ada, 'never-enrolled', at('2026-06-01'));
  await counters.trackCoverage(bob, 'never-enrolled', at('2026-06-01'));
  // Saved again unchanged (a failed-code count, say): nothing moves.
  await counters.trackCoverage(ada, 'never-enrolled', at('2026-06-02'));
  await counters.trackCoverage(ada, 'sms', at('2026-06-03'));
  await counters.trackCoverage(bob, 'revoked', at('2026-06-05'));

  const { before, days } = await counters.readCoverage('2026-06-02', '2026-06-05');
  expect(before).toMatchObject({ day: '2026-06-01', 'never-enrolled': 2, sms: 0 });
  expect(days).toEqual([
    { day: '2026-06-03', 'never-enrolled': 1, sms: 1, app: 0, 'sms-and-app': 0, revoked: 0 },
    { day: '2026-06-05', 'never-enrolled': 0, sms: 1, app: 0, 'sms-and-app': 0, revoked: 1 },
  ]);
  expect(await counters.coverageOf([ada, bob, randomUUID()])).toEqual(
    new Map([
      [ada, 'sms'],
      [bob, 'revoked'],
    ]),
  );
});

test('two saves of one user at once move it once', async () => {
  const readTotals = async () => (await counters.readCoverage('2026-07-01', '2026-07-01')).days[0];
  const userGuid = randomUUID();
  await counters.trackCoverage(userGuid, 'never-enrolled', at('2026-07-01'));
  const start = await readTotals();
  await Promise.all(Array.from({ length: 6 }, () => counters.trackCoverage(userGuid, 'app', at('2026-07-01'))));
  const end = await readTotals();
  expect({
    app: (end?.app ?? 0) - (start?.app ?? 0),
    never: (end?.['never-enrolled'] ?? 0) - (start?.['never-enrolled'] ?? 0),
  }).toEqual({
    app: 1,
    never: -1,
  });
});
