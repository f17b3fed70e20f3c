import 'aws-cdk-lib/testhelpers/jest-autoclean';
import { actionsOf, envOf, functionOf, statementsOf, synthesizedForSuite } from './build.js';

// App reset/unlock requests: the api function queues directory jobs itself (docs/design/reset.md), so it may send to
// the job queue — and only send, and only to that queue (never the DLQ, never receive or delete).

describe('api function and the job queue', () => {
  const t = synthesizedForSuite();

  it('may send to the job queue only: no receive, no delete, not the dead-letter queue', () => {
    const statements = statementsOf([t.api], 'ApiFunction');
    const sqs = statements.filter((statement) => actionsOf(statement).some((action) => action.startsWith('sqs:')));
    expect(sqs).toEqual([
      {
        Action: 'sqs:SendMessage',
        Effect: 'Allow',
        Resource: { 'Fn::ImportValue': expect.stringMatching(/JobQueue[0-9A-F]+Arn/) },
      },
    ]);
    expect(JSON.stringify(sqs)).not.toMatch(/DeadLetter/);
  });

  it('may use the queue key for SQS only (encrypting what it sends)', () => {
    const keyUse = statementsOf([t.api], 'ApiFunction').find((statement) =>
      JSON.stringify(statement.Resource).match(/QueueKey/),
    );
    expect(keyUse).toMatchObject({ Effect: 'Allow', Action: expect.arrayContaining(['kms:GenerateDataKey']) });
    expect(JSON.stringify(keyUse?.Condition)).toContain('"sqs."');
  });

  it('gets the queue URL in JOB_QUEUE_URL', () => {
    const api = functionOf(t, 'blink-api');
    expect(JSON.stringify(envOf(api).JOB_QUEUE_URL)).toMatch(/JobQueue/);
  });
});
