import 'aws-cdk-lib/testhelpers/jest-autoclean';
import { ConfigurationError } from '../../infra/config.js';
import {
  buildTestApp,
  expectDirectoryWorkerAlarm,
  expectProperties,
  expectWorkerFailureAlarm,
  resourcesOfType,
  synthesizedForSuite,
  templatesOf,
  workerEnvOf,
} from './build.js';

// What the lockout watch needs deployed: its settings on the worker, key-only table access, and alarms when a
// scan fails, runs out of time, or does not happen at all.
describe('directory worker: lockout watch', () => {
  const t = synthesizedForSuite();

  it('passes the alert time zone and daily cap (defaults UTC and 5; configurable)', () => {
    expect(workerEnvOf(t)).toMatchObject({
      LOCKOUT_ALERT_TIME_ZONE: 'UTC',
      LOCKOUT_ALERTS_PER_DAY: '5',
      LOCKOUT_ALERT_SHOW_DC: 'false',
      LOCKOUT_SCAN_PAGE_SIZE: '500',
    });
    const configured = templatesOf(
      buildTestApp({ lockoutAlertTimeZone: 'Europe/Berlin', lockoutAlertsPerDay: '2', lockoutAlertShowDc: 'true' }),
    );
    expect(workerEnvOf(configured)).toMatchObject({
      LOCKOUT_ALERT_TIME_ZONE: 'Europe/Berlin',
      LOCKOUT_ALERTS_PER_DAY: '2',
      LOCKOUT_ALERT_SHOW_DC: 'true',
    });
  });

  it('refuses an unknown time zone at synth time', () => {
    expect(() => buildTestApp({ lockoutAlertTimeZone: 'Mars/Olympus' })).toThrow(ConfigurationError);
  });

  it('reads and writes the table by key only (never Scan)', () => {
    const policies = resourcesOfType([t.directory], 'AWS::IAM::Policy').filter(([id]) =>
      id.startsWith('DirectoryWorkerRoleDefaultPolicy'),
    );
    const actions = JSON.stringify(policies.map(([, policy]) => policy.Properties?.PolicyDocument));
    expect(actions).toContain('dynamodb:ConditionCheckItem');
    expect(actions).toContain('dynamodb:DeleteItem');
    expect(actions).not.toMatch(/dynamodb:(Scan|\*)/);
  });

  it('alarms when a scan fails or runs out of its time budget', () => {
    for (const metricName of ['LockoutScanFailed', 'LockoutScanIncomplete']) {
      expectWorkerFailureAlarm(t.directory, metricName, { Period: 300 });
    }
  });

  it('alarms when no scan finished for three schedule periods (missing data breaches)', () => {
    expectDirectoryWorkerAlarm(t.directory, 'LockoutAccountsLocked', {
      Statistic: 'SampleCount',
      Period: 900,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    const hourly = templatesOf(buildTestApp({ lockoutScanRateMinutes: '60' }));
    expectProperties(hourly.directory, 'AWS::CloudWatch::Alarm', {
      MetricName: 'LockoutAccountsLocked',
      Period: 3 * 3600,
    });
    const daily = templatesOf(buildTestApp({ lockoutScanRateMinutes: '1440' }));
    // CloudWatch periods stop at one day.
    expectProperties(daily.directory, 'AWS::CloudWatch::Alarm', {
      MetricName: 'LockoutAccountsLocked',
      Period: 86_400,
    });
  });
});
