import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoAuditLog } from '../../shared/adapters/dynamodb/audit-log';
import { DynamoEnrollmentStore } from '../../shared/adapters/dynamodb/enrollment-store';
import { DynamoReportCounters } from '../../shared/adapters/dynamodb/report-counters';
import { activeEnrollment } from '../support/enrollments';
import { useBlinkTable } from '../support/local-service';

// The admin portal's items that follow an enrollment save or an audit event (search entries, Users row facts, report
// counters), on dynalite: written only after the write they follow, together, and what a failure among them does.
// Failures are real ones: an item the table cannot update as asked, put there first.
const TABLE = 'blink-portal-follow-up-writes-test';
const dynamo = useBlinkTable(TABLE);

const item = async (pk: string, sk: string) =>
  (await dynamo.client.send(new GetCommand({ TableName: TABLE, Key: { pk, sk }, ConsistentRead: true }))).Item;
const account = () => {
  const userGuid = randomUUID();
  return { userGuid, dn: `CN=${userGuid},DC=x`, samAccountName: `u.${userGuid.slice(0, 8)}` };
};

test('a save whose search entries cannot be written still moves its coverage and starts its row facts, then fails', async () => {
  const store = new DynamoEnrollmentStore(dynamo.client, { tableName: TABLE });
  const counters = new DynamoReportCounters(dynamo.client, { tableName: TABLE });
  const user = account();
  // Own search keys the index cannot read: indexing this user fails after the save held its condition.
  await dynamo.client.send(
    new PutCommand({ TableName: TABLE, Item: { pk: `USER#${user.userGuid}`, sk: 'SEARCHKEYS', keys: 'broken' } }),
  );

  await expect(store.save(activeEnrollment(user, { phoneE164: '+12065550142' }), 0)).rejects.toThrow();

  expect(await store.get(user.userGuid)).toMatchObject({ version: 1, status: 'active' });
  expect(await counters.coverageOf([user.userGuid])).toEqual(new Map([[user.userGuid, 'sms']]));
  expect(await item(`USER#${user.userGuid}`, 'ROWFACTS')).toMatchObject({ activeDevices: 0 });
});

test('a save that changes no search term or filter leaves the search entries as they were; a new phone rewrites them', async () => {
  const store = new DynamoEnrollmentStore(dynamo.client, { tableName: TABLE });
  const user = account();
  await store.save(activeEnrollment(user, { phoneE164: '+12065550143' }), 0);
  const ownKeys = { pk: `USER#${user.userGuid}`, sk: 'SEARCHKEYS' };
  // A mark a rewrite of the own keys would drop.
  await dynamo.client.send(
    new UpdateCommand({
      TableName: TABLE,
      Key: ownKeys,
      UpdateExpression: 'SET mark = :mark',
      ExpressionAttributeValues: { ':mark': 1 },
    }),
  );
  const keysBefore = (await item(ownKeys.pk, ownKeys.sk))?.['keys'];

  await store.save({ ...activeEnrollment(user, { phoneE164: '+12065550143' }), verificationFailures: 1 }, 1);
  expect(await item(ownKeys.pk, ownKeys.sk)).toMatchObject({ mark: 1, keys: keysBefore });

  await store.save(activeEnrollment(user, { phoneE164: '+12065559876' }), 2);
  const rewritten = await item(ownKeys.pk, ownKeys.sk);
  expect(rewritten?.['mark']).toBeUndefined();
  // Phone digits are indexed last digit first.
  expect(JSON.stringify(rewritten?.['keys'])).toContain('phone:6789555');
});

test('a daily count that cannot be added does not fail the audit record; the event is stored, its row facts follow', async () => {
  const audit = new DynamoAuditLog(dynamo.client, { tableName: TABLE });
  const user = account();
  const at = new Date('2026-08-03T12:00:00.000Z');
  // The day's reset.sms counter is not a number: ADD fails for real.
  await dynamo.client.send(
    new PutCommand({ TableName: TABLE, Item: { pk: 'REPORT#DAILY', sk: '2026-08-03', 'reset.sms': 'broken' } }),
  );

  await audit.record({ userGuid: user.userGuid, action: 'reset', channel: 'sms', result: 'success', at });

  expect(await audit.listForUser(user.userGuid, 5)).toMatchObject([{ action: 'reset', result: 'success' }]);
  expect(await item(`USER#${user.userGuid}`, 'ROWFACTS')).toMatchObject({
    lastResetOrUnlock: { action: 'reset', channel: 'sms', result: 'success' },
  });
  expect(await item('REPORT#DAILY', '2026-08-03')).toMatchObject({ 'reset.sms': 'broken' });
});

test('row facts that cannot be updated fail the audit record, once the event is stored and counted', async () => {
  const audit = new DynamoAuditLog(dynamo.client, { tableName: TABLE });
  const counters = new DynamoReportCounters(dynamo.client, { tableName: TABLE });
  const user = account();
  const at = new Date('2026-08-04T12:00:00.000Z');
  // A recorded lockout whose locked-now entry has an empty key: ending it on a successful reset fails for real.
  await dynamo.client.send(
    new PutCommand({
      TableName: TABLE,
      Item: {
        pk: `USER#${user.userGuid}`,
        sk: 'ROWFACTS',
        userGuid: user.userGuid,
        lockout: {
          lockedAt: '2026-08-04T11:00:00.000Z',
          listSk: '',
          alert: { outcome: 'alerted', sms: 'sent', pushes: 0, handledAt: '2026-08-04T11:01:00.000Z' },
        },
      },
    }),
  );

  await expect(
    audit.record({ userGuid: user.userGuid, action: 'reset', channel: 'sms', result: 'success', at }),
  ).rejects.toThrow();

  expect(await audit.listForUser(user.userGuid, 5)).toMatchObject([{ action: 'reset', result: 'success' }]);
  expect(await counters.readDaily('2026-08-04', '2026-08-04')).toEqual([{ day: '2026-08-04', 'reset.sms': 1 }]);
});
