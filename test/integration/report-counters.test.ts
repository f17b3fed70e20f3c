import { randomUUID } from 'node:crypto';
import { DynamoReportCounters } from '../../shared/adapters/dynamodb/report-counters';
import { DynamoAuditLog } from '../../shared/adapters/dynamodb/audit-log';
import { useBlinkTable } from '../support/local-service';
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoEnrollmentStore } from '../../shared/adapters/dynamodb/enrollment-store';
import { DynamoEnrollmentRoster } from '../../shared/adapters/dynamodb/enrollment-roster';
import { backfillCoverage } from '../../shared/use-cases/admin/report-backfill';
import { activeEnrollment } from '../support/enrollments';

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

test('the backfill counts users saved before the counters existed, and not again those already counted', async () => {
  const store = new DynamoEnrollmentStore(dynamo.client, { tableName: TABLE });
  const roster = new DynamoEnrollmentRoster(dynamo.client, { tableName: TABLE });
  const today = () => new Date();
  const totals = async () =>
    (await dynamo.client.send(new GetCommand({ TableName: TABLE, Key: { pk: 'REPORT#COVERAGE', sk: 'TOTALS' } })))
      .Item as Record<string, number> | undefined;
  const older = { userGuid: randomUUID(), dn: 'CN=Old,DC=x', samAccountName: 'old.user' };
  const counted = { userGuid: randomUUID(), dn: 'CN=New,DC=x', samAccountName: 'new.user' };
  for (const user of [older, counted]) {
    await store.save(activeEnrollment(user, { phoneE164: '+12065550123', app: true }), 0);
    await roster.add(user.userGuid, today());
  }
  // As if `older` had been saved before the counters existed: no state of its own, not in the totals.
  await dynamo.client.send(
    new DeleteCommand({ TableName: TABLE, Key: { pk: `USER#${older.userGuid}`, sk: 'COVERAGE' } }),
  );
  await dynamo.client.send(
    new UpdateCommand({
      TableName: TABLE,
      Key: { pk: 'REPORT#COVERAGE', sk: 'TOTALS' },
      UpdateExpression: 'ADD #state :minus',
      ExpressionAttributeNames: { '#state': 'sms-and-app' },
      ExpressionAttributeValues: { ':minus': -1 },
    }),
  );
  await counters.trackCoverage(counted.userGuid, 'sms-and-app', today());
  const before = (await totals())?.['sms-and-app'] ?? 0;

  const deps = {
    listEnrolledUsers: () => roster.list(),
    enrollmentStore: store,
    reportCounters: counters,
    clock: { now: today },
  };
  expect(await backfillCoverage(deps, undefined)).toMatchObject({ counted: 2 });
  expect(((await totals())?.['sms-and-app'] ?? 0) - before).toBe(1);
  // Again: nothing moves.
  await backfillCoverage(deps, undefined);
  expect(((await totals())?.['sms-and-app'] ?? 0) - before).toBe(1);
});
