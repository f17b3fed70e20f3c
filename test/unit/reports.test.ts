import {
  coverageStateOf,
  dailyCountersOf,
  daysEndingOn,
  estimatedSmsCost,
  toCsv,
} from '../../shared/domain/reports.js';
import { activationSummary } from '../../shared/domain/activation-summary.js';

test('a CSV cell that a spreadsheet would run as a formula is turned into text; quotes and commas are quoted', () => {
  expect(
    toCsv([
      ['name', 'n'],
      ['=HYPERLINK("http://x")', 3],
      ['+1', 0],
      ['-2', 1],
      ['@SUM(A1)', 2],
      ['a,b', 4],
    ]),
  ).toBe('name,n\r\n"\'=HYPERLINK(""http://x"")",3\r\n\'+1,0\r\n\'-2,1\r\n\'@SUM(A1),2\r\n"a,b",4\r\n');
  expect(toCsv([['\tcmd', 'plain']])).toBe("'\tcmd,plain\r\n");
});

test('audit events add to the daily counters they stand for', () => {
  expect(dailyCountersOf({ action: 'reset', channel: 'sms', result: 'success' })).toEqual(['reset.sms']);
  expect(dailyCountersOf({ action: 'unlock', channel: 'admin', result: 'success' })).toEqual(['unlock.admin']);
  expect(dailyCountersOf({ action: 'reset', channel: 'app', result: 'refused' })).toEqual([]);
  // Only the last delivery closes a job as failed with these reasons: it then goes to the dead-letter queue.
  expect(dailyCountersOf({ action: 'unlock', channel: 'sms', result: 'failed', reason: 'error' })).toEqual([
    'failures',
    'dlq',
  ]);
  expect(dailyCountersOf({ action: 'reset', channel: 'sms', result: 'failed', reason: 'opted-out' })).toEqual([
    'failures',
  ]);
  expect(dailyCountersOf({ action: 'inbound-failed', channel: 'sms', result: 'failed' })).toEqual(['failures', 'dlq']);
  expect(dailyCountersOf({ action: 'enrollment.reactivated', channel: 'admin', result: 'success' })).toEqual([
    'activations',
  ]);
  expect(dailyCountersOf({ action: 'lockout-alert', channel: 'system', result: 'failed' })).toEqual([
    'failures',
    'lockout-alerts-unreached',
  ]);
  expect(dailyCountersOf({ action: 'portal.sign-in', channel: 'admin', result: 'success' })).toEqual([]);
});

test('each enrollment is in exactly one coverage state', () => {
  const of = (status: 'activated' | 'active' | 'revoked', sms: boolean, app: boolean) =>
    coverageStateOf({ status, methods: { sms, app } });
  expect([of('activated', false, false), of('active', true, false), of('active', false, true)]).toEqual([
    'never-enrolled',
    'sms',
    'app',
  ]);
  expect([of('active', true, true), of('revoked', true, true)]).toEqual(['sms-and-app', 'revoked']);
});

test('report windows end on the given day, across month ends; the SMS cost rounds to cents', () => {
  expect(daysEndingOn('2026-03-01', 3)).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
  expect(estimatedSmsCost(3, 0.0075)).toBe(0.02);
  expect(estimatedSmsCost(0, 0.0075)).toBe(0);
});

test('the activation summary reads as the CLI always printed it', () => {
  expect(
    activationSummary(
      [{ samAccountName: 'jane' }, { samAccountName: 'john' }],
      [
        { name: 'carol', reason: 'disabled' },
        { name: 'dave', reason: 'email-failed' },
        { name: 'eve', reason: 'disabled' },
      ],
    ),
  ).toEqual([
    'Activated 2: jane, john',
    'Skipped 3:\n  disabled (2): carol, eve\n  email-failed (1): dave',
    'The activation email could not be sent to 1 user(s): dave. Their links reached nobody; run the same command again later to send them new ones.',
  ]);
  expect(activationSummary([], [])).toEqual(['Activated 0', 'Skipped 0']);
});
