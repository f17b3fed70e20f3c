import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoJobLedger, jobLedgerKeys } from '../../shared/adapters/dynamodb/job-ledger';
import { useBlinkTable } from '../support/local-service';

const TABLE = 'blink-job-ledger-test';
let ledger: DynamoJobLedger;

const dynamo = useBlinkTable(TABLE);

beforeAll(() => {
  ledger = new DynamoJobLedger(dynamo.client, { tableName: TABLE });
});

const t0 = new Date('2026-12-01T10:00:00.000Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const keepUntil = at(7 * 86_400);

async function storedItem(jobId: string) {
  const { Item } = await dynamo.client.send(
    new GetCommand({ TableName: TABLE, Key: jobLedgerKeys.job(jobId), ConsistentRead: true }),
  );
  return Item;
}

describe('DynamoJobLedger', () => {
  it('claims a new job, refuses a second claim while the lease runs, and answers done once completed', async () => {
    const jobId = randomUUID();
    expect(await ledger.claim(jobId, t0, at(60))).toEqual({ outcome: 'claimed' });
    expect(await ledger.claim(jobId, at(10), at(70))).toEqual({ outcome: 'in-progress', leaseUntil: at(60) });

    await ledger.complete(jobId, { result: 'success' }, at(20), keepUntil);
    expect(await ledger.claim(jobId, at(30), at(90))).toEqual({ outcome: 'done' });
    // Even long after, a finished job is never run again.
    expect(await ledger.claim(jobId, at(86_400), at(86_460))).toEqual({ outcome: 'done' });
    expect(await storedItem(jobId)).toMatchObject({
      pk: `JOB#${jobId}`,
      sk: 'JOB',
      state: 'done',
      result: 'success',
      claims: 1,
      expiresAt: Math.ceil(keepUntil.getTime() / 1000),
    });
    expect(await storedItem(jobId)).not.toHaveProperty('leaseUntilMs');
  });

  it('of two concurrent claims exactly one wins', async () => {
    for (let round = 0; round < 5; round += 1) {
      const jobId = randomUUID();
      const results = await Promise.all([ledger.claim(jobId, t0, at(60)), ledger.claim(jobId, t0, at(60))]);
      expect(results.filter((result) => result.outcome === 'claimed')).toHaveLength(1);
      expect(results.filter((result) => result.outcome === 'in-progress')).toHaveLength(1);
    }
  });

  it('of many concurrent claims of a released job exactly one wins', async () => {
    const jobId = randomUUID();
    await ledger.claim(jobId, t0, at(60));
    await ledger.release(jobId);
    const results = await Promise.all(Array.from({ length: 6 }, () => ledger.claim(jobId, at(1), at(61))));
    expect(results.filter((result) => result.outcome === 'claimed')).toHaveLength(1);
    expect((await storedItem(jobId))?.claims).toBe(2);
  });

  it('lets the next delivery claim at once after a release, and after a lease ran out (a crashed worker)', async () => {
    const released = randomUUID();
    await ledger.claim(released, t0, at(60));
    await ledger.release(released);
    expect(await ledger.claim(released, at(1), at(61))).toEqual({ outcome: 'claimed' });

    const abandoned = randomUUID();
    await ledger.claim(abandoned, t0, at(60));
    expect(await ledger.claim(abandoned, at(59), at(119))).toMatchObject({ outcome: 'in-progress' });
    expect(await ledger.claim(abandoned, at(60), at(120))).toEqual({ outcome: 'claimed' });
  });

  it('never reopens a finished job by a release, and keeps the refusal reason', async () => {
    const jobId = randomUUID();
    await ledger.claim(jobId, t0, at(60));
    await ledger.complete(jobId, { result: 'refused', reason: 'protected' }, at(5), keepUntil);
    await ledger.release(jobId);
    expect(await ledger.claim(jobId, at(6), at(66))).toEqual({ outcome: 'done' });
    expect(await storedItem(jobId)).toMatchObject({ state: 'done', result: 'refused', reason: 'protected' });
    // Releasing a job nobody claimed is harmless and creates nothing.
    const unknown = randomUUID();
    await ledger.release(unknown);
    expect(await storedItem(unknown)).toBeUndefined();
  });
});
