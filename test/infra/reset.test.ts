import 'aws-cdk-lib/testhelpers/jest-autoclean';
import { envOf, expectWorkerFailureAlarm, functionOf, resourcesOfType, synthesizedForSuite } from './build.js';

// What the directory worker needs for reset and unlock jobs (docs/design/reset.md): SMS, email and push sending, the
// queue's receive limit, and an alarm when a reset is refused.
describe('directory worker: reset and unlock', () => {
  const t = synthesizedForSuite();

  const workerStatements = () => {
    const policies = resourcesOfType([t.directory], 'AWS::IAM::Policy').filter(([id]) =>
      id.startsWith('DirectoryWorkerRoleDefaultPolicy'),
    );
    expect(policies).toHaveLength(1);
    const document = policies[0]?.[1].Properties?.PolicyDocument as {
      Statement: Array<{ Action: string | string[]; Resource: unknown }>;
    };
    return document.Statement.map((statement) => ({
      actions: ([] as string[]).concat(statement.Action),
      resource: JSON.stringify(statement.Resource),
    }));
  };

  it('sets JOB_MAX_RECEIVE_COUNT to the job queue’s maxReceiveCount', () => {
    const worker = functionOf(t, 'blink-directory-worker');
    const [, queue] = resourcesOfType([t.messaging], 'AWS::SQS::Queue').find(([id]) => id.startsWith('JobQueue')) ?? [];
    const redrive = queue?.Properties?.RedrivePolicy as { maxReceiveCount: number };
    expect(redrive.maxReceiveCount).toBe(5);
    expect(envOf(worker).JOB_MAX_RECEIVE_COUNT).toBe(String(redrive.maxReceiveCount));
  });

  it("may send SMS, email, pushes to platform endpoints and the admins' alarm topic only, and use the table", () => {
    const statements = workerStatements();
    const allowing = (action: string) => statements.filter((statement) => statement.actions.includes(action));
    expect(allowing('sms-voice:SendTextMessage')).toHaveLength(1);
    expect(allowing('ses:SendEmail')).toHaveLength(1);
    expect(allowing('dynamodb:UpdateItem')).toHaveLength(1);
    const publish = allowing('sns:Publish');
    expect(publish.map((statement) => statement.actions)).toEqual([['sns:Publish'], ['sns:Publish']]);
    // Platform endpoints of this account and region (never another account), and the alarm topic: a mass lockout
    // tells the admins there first. No other topic.
    expect(publish[0]?.resource).toMatch(
      /:sns:",\{"Ref":"AWS::Region"\},":",\{"Ref":"AWS::AccountId"\},":endpoint\/\*"/,
    );
    expect(publish[1]?.resource).toMatch(/^\{"Fn::ImportValue":"BlinkMessaging:ExportsOutputRefAlarmTopic/);
    expect(
      statements.some((statement) => statement.actions.some((action) => action === 'sns:*' || action === '*')),
    ).toBe(false);
  });

  // ResetRefused: a refused account or password; ReplicationBehind: a DC without the new password when the worker stopped
  // waiting for it.
  it.each(['ResetRefused', 'ReplicationBehind'])(
    'alarms to the alarm topic on the %s metric the worker emits (namespace Blink, service dimension)',
    (metricName) => {
      expectWorkerFailureAlarm(t.directory, metricName);
      // The dimension is the worker's Powertools service name, or the alarm would watch a metric nobody writes.
      const worker = functionOf(t, 'blink-directory-worker');
      expect(envOf(worker)).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'blink-directory-worker',
        POWERTOOLS_METRICS_NAMESPACE: 'Blink',
      });
    },
  );
});
