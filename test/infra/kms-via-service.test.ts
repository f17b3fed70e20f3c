import 'aws-cdk-lib/testhelpers/jest-autoclean';
import { resourcesOfType, synthesizedForSuite } from './build.js';

// A role that may use a data key only through the service that owns the data (kms:ViaService) cannot take a
// message's encrypted data key, or anything else encrypted under the same key, and decrypt it with KMS directly.

type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };

describe('KMS grants of the function roles', () => {
  const t = synthesizedForSuite();

  const kmsStatements = () =>
    resourcesOfType(t.all, 'AWS::IAM::Policy').flatMap(([id, policy]) =>
      (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement.filter((statement) =>
        [statement.Action].flat().some((action) => action.startsWith('kms:')),
      ).map((statement) => ({ id, statement })),
    );

  it('are all bound to the service that owns the key, through kms:ViaService', () => {
    const grants = kmsStatements();
    expect(grants.length).toBeGreaterThanOrEqual(10);
    const unbound = grants
      .filter(({ statement }) => !statement.Condition?.StringEquals?.['kms:ViaService'])
      .map(({ id }) => id);
    expect(unbound).toEqual([]);
  });

  it('use the queue key through SQS only, for the worker and the inbound-sms function too', () => {
    const onQueueKey = kmsStatements().filter(({ statement }) =>
      JSON.stringify(statement.Resource).includes('QueueKey'),
    );
    const roles = new Set(onQueueKey.map(({ id }) => id.replace(/RoleDefaultPolicy.*$/, '')));
    expect([...roles].sort()).toEqual([
      'ApiFunction',
      'DirectoryWorker',
      'InboundSmsFunction',
      'PasswordExpirySchedule',
      'WebPushSender',
    ]);
    for (const { statement } of onQueueKey) {
      expect(JSON.stringify(statement.Condition?.StringEquals?.['kms:ViaService'])).toMatch(
        /"sqs\.",\{"Ref":"AWS::Region"\},"\.amazonaws\.com"/,
      );
    }
  });
});
