import 'aws-cdk-lib/testhelpers/jest-autoclean';
import { ConfigurationError } from '../../infra/config.js';
import {
  actionsOf,
  alarmsOnAnyOccurrence,
  buildTestApp,
  expectDirectoryWorkerAlarm,
  expectWorkerSettings,
  statementsOf,
  synthesizedForSuite,
} from './build.js';

// What mass lockouts need deployed: the thresholds and the SMS rate on the worker, the worker's right to publish the
// admins' alert to the alarm topic (and to use its key), and an alarm on the MassLockoutDetected metric.
describe('mass lockouts', () => {
  const t = synthesizedForSuite();

  it('passes the thresholds, the SMS rate, the event length and the alarm topic to the worker', () => {
    expectWorkerSettings(
      t,
      {
        MASS_LOCKOUT_THRESHOLD: '50',
        MASS_LOCKOUT_THRESHOLD_PERCENT: '5',
        SMS_SENDS_PER_SECOND: '3',
        MASS_LOCKOUT_EVENT_MINUTES: '60',
        ALARM_TOPIC_ARN: { 'Fn::ImportValue': expect.stringMatching(/AlarmTopic/) as unknown },
      },
      {
        context: {
          massLockoutThreshold: '200',
          massLockoutThresholdPercent: '2.5',
          smsSendsPerSecond: '20',
          massLockoutEventMinutes: '120',
        },
        configured: {
          MASS_LOCKOUT_THRESHOLD: '200',
          MASS_LOCKOUT_THRESHOLD_PERCENT: '2.5',
          SMS_SENDS_PER_SECOND: '20',
          MASS_LOCKOUT_EVENT_MINUTES: '120',
        },
      },
    );
  });

  it('lets the worker publish to the alarm topic, through its key', () => {
    const statements = statementsOf([t.directory], 'DirectoryWorkerRole');
    const publish = statements.find(
      (statement) =>
        actionsOf(statement).includes('sns:Publish') && JSON.stringify(statement.Resource).includes('AlarmTopic'),
    );
    expect(publish).toBeDefined();
    const keyActions = statements
      .filter((statement) => JSON.stringify(statement.Resource).includes('AlarmTopicKey'))
      .flatMap(actionsOf);
    expect(keyActions.sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });

  it('alarms on every mass lockout a scan finds', () => {
    expectDirectoryWorkerAlarm(t.directory, 'MassLockoutDetected', alarmsOnAnyOccurrence);
  });

  it('refuses a rate of 0 or a percentage over 100 at synth time', () => {
    expect(() => buildTestApp({ smsSendsPerSecond: '0' })).toThrow(ConfigurationError);
    expect(() => buildTestApp({ massLockoutThresholdPercent: '101' })).toThrow(ConfigurationError);
  });
});
