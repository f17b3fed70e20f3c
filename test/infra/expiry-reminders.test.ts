import 'aws-cdk-lib/testhelpers/jest-autoclean';
import { Match } from 'aws-cdk-lib/assertions';
import { directoryJobSchema } from '../../shared/domain/directory-job.js';
import { ConfigurationError } from '../../infra/config.js';
import {
  buildTestApp,
  expectWorkerSettings,
  expectProperties,
  expectWorkerFailureAlarm,
  resourcesOfType,
  templatesOf,
  theOnly,
  type Templates,
} from './build.js';

// What the password-expiry reminders need deployed (issue 13 §4): a daily schedule at the configured local hour that
// queues the job, the settings on the worker, and the worker's right to queue its own continuations.
describe('password-expiry reminders', () => {
  let t: Templates;
  beforeAll(() => {
    t = templatesOf(buildTestApp());
  });

  it('runs daily at 09:00 in the deployment time zone by default, at the configured hour otherwise', () => {
    expectProperties(t.messaging, 'AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 9 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
    });
    const berlin = templatesOf(
      buildTestApp({ lockoutAlertTimeZone: 'Europe/Berlin', passwordExpiryReminderHour: '7' }),
    );
    expectProperties(berlin.messaging, 'AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 7 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
    });
  });

  it('queues a job the worker accepts, with the job DLQ for deliveries that fail', () => {
    const schedule = theOnly([t.messaging], 'AWS::Scheduler::Schedule');
    const target = schedule.Properties?.Target as { Input: string; Arn: unknown; DeadLetterConfig: { Arn: unknown } };
    expect(JSON.stringify(target.Arn)).toContain('JobQueue');
    expect(JSON.stringify(target.DeadLetterConfig.Arn)).toContain('JobDeadLetterQueue');
    // What Scheduler puts in for the context attributes (its documented examples).
    const delivered = target.Input.replace('<aws.scheduler.execution-id>', 'd32c5kddcf5bb8c3').replace(
      '<aws.scheduler.scheduled-time>',
      '2026-12-04T09:00:00Z',
    );
    expect(directoryJobSchema.parse(JSON.parse(delivered))).toMatchObject({
      kind: 'password-expiry-scan',
      jobId: 'd32c5kddcf5bb8c3',
    });
  });

  it('gives the schedule a role that may only send to the job queues, using the key through SQS', () => {
    expectProperties(t.messaging, 'AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': Match.anyValue() } },
          }),
        ],
      }),
    });
    const [, policy] =
      resourcesOfType([t.messaging], 'AWS::IAM::Policy').find(([id]) => id.startsWith('PasswordExpiryScheduleRole')) ??
      [];
    const statements = (policy?.Properties?.PolicyDocument as { Statement: Array<{ Action: string | string[] }> })
      .Statement;
    expect(statements.flatMap((statement) => [statement.Action].flat()).sort()).toEqual([
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'sqs:SendMessage',
    ]);
  });

  it('passes the steps and channels to the worker, which may send its continuations to the queue', () => {
    expectWorkerSettings(
      t,
      {
        PASSWORD_EXPIRY_REMINDER_DAYS: '14,7,3,1',
        PASSWORD_EXPIRY_REMINDER_SMS: 'false',
        PASSWORD_EXPIRY_REMINDER_PUSH: 'false',
        JOB_QUEUE_URL: { 'Fn::ImportValue': expect.stringMatching(/JobQueue/) as unknown },
      },
      {
        context: {
          passwordExpiryReminderDays: '10,5,1',
          passwordExpiryReminderSms: 'true',
          passwordExpiryReminderPush: 'true',
        },
        configured: {
          PASSWORD_EXPIRY_REMINDER_DAYS: '10,5,1',
          PASSWORD_EXPIRY_REMINDER_SMS: 'true',
          PASSWORD_EXPIRY_REMINDER_PUSH: 'true',
        },
      },
    );
  });

  it('alarms when a run fails or cannot read every user in its time budget', () => {
    for (const metricName of ['PasswordExpiryScanFailed', 'PasswordExpiryScanIncomplete']) {
      expectWorkerFailureAlarm(t.directory, metricName);
    }
  });

  it('refuses a bad hour or bad steps at synth time', () => {
    expect(() => buildTestApp({ passwordExpiryReminderHour: '24' })).toThrow(ConfigurationError);
    expect(() => buildTestApp({ passwordExpiryReminderDays: '7,7' })).toThrow(ConfigurationError);
    expect(() => buildTestApp({ passwordExpiryReminderDays: '0' })).toThrow(ConfigurationError);
  });
});
