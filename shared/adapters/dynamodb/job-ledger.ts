import * as z from 'zod';
import type { JobClaim, JobLedger, JobOutcome } from '../../ports/job-ledger.js';
import { ttlSeconds, wroteIfConditionHeld } from './table.js';
import { BlinkTableAdapter } from './table-adapter.js';

/*
 * Item layout: pk JOB#<jobId>, sk JOB, state 'running' | 'done', leaseUntilMs (epoch ms; 0 once released),
 * claims (deliveries that took the job), outcome and reason once done, expiresAt (TTL).
 * Every transition is one conditional write, so of two concurrent claims exactly one wins.
 */

/** A running job's item outlives its lease by this much, so a crashed worker's record is still there to read. */
const RUNNING_RECORD_KEEP_MS = 24 * 3600_000;
/** A claim that loses the race to a release or an expiring lease reads the item and tries again, a few times. */
const CLAIM_ATTEMPTS = 3;

const jobItemSchema = z.object({
  state: z.enum(['running', 'done']),
  leaseUntilMs: z.number().optional(),
});

export const jobLedgerKeys = {
  job: (jobId: string) => ({ pk: `JOB#${jobId}`, sk: 'JOB' }),
};

export class DynamoJobLedger extends BlinkTableAdapter implements JobLedger {
  async claim(jobId: string, now: Date, leaseUntil: Date): Promise<JobClaim> {
    for (let attempt = 1; ; attempt += 1) {
      const claimed = await wroteIfConditionHeld(() =>
        this.updateItem(jobLedgerKeys.job(jobId), {
          UpdateExpression:
            'SET #state = :running, leaseUntilMs = :lease, claimedAt = :now, expiresAt = :expiresAt, kind = :kind ADD claims :one',
          // New, or running with a lease that ran out or was released. A done job is never claimed again.
          ConditionExpression: 'attribute_not_exists(pk) OR (#state = :running AND leaseUntilMs <= :nowMs)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':running': 'running',
            ':lease': leaseUntil.getTime(),
            ':now': now.toISOString(),
            ':nowMs': now.getTime(),
            ':expiresAt': ttlSeconds(new Date(leaseUntil.getTime() + RUNNING_RECORD_KEEP_MS)),
            ':kind': 'job',
            ':one': 1,
          },
        }),
      );
      if (claimed) return { outcome: 'claimed' };
      const item = await this.getItem(jobLedgerKeys.job(jobId));
      const current = item ? jobItemSchema.parse(item) : undefined;
      if (current?.state === 'done') return { outcome: 'done' };
      const leaseUntilMs = current?.leaseUntilMs ?? 0;
      // Still held by someone else, or it keeps changing under us: let SQS bring this delivery back later.
      if (leaseUntilMs > now.getTime() || attempt >= CLAIM_ATTEMPTS) {
        return { outcome: 'in-progress', leaseUntil: new Date(Math.max(leaseUntilMs, now.getTime())) };
      }
    }
  }

  async complete(jobId: string, outcome: JobOutcome, now: Date, keepUntil: Date): Promise<void> {
    await this.updateItem(jobLedgerKeys.job(jobId), {
      UpdateExpression:
        'SET #state = :done, #result = :result, completedAt = :now, expiresAt = :expiresAt, kind = :kind' +
        (outcome.reason !== undefined ? ', reason = :reason' : '') +
        ' REMOVE leaseUntilMs',
      ExpressionAttributeNames: { '#state': 'state', '#result': 'result' },
      ExpressionAttributeValues: {
        ':done': 'done',
        ':result': outcome.result,
        ':now': now.toISOString(),
        ':expiresAt': ttlSeconds(keepUntil),
        ':kind': 'job',
        ...(outcome.reason !== undefined ? { ':reason': outcome.reason } : {}),
      },
    });
  }

  async release(jobId: string): Promise<void> {
    // Only a running job is released: a release never reopens a finished one (then the write is refused, and that is fine).
    await wroteIfConditionHeld(() =>
      this.updateItem(jobLedgerKeys.job(jobId), {
        UpdateExpression: 'SET leaseUntilMs = :released',
        ConditionExpression: '#state = :running',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':released': 0, ':running': 'running' },
      }),
    );
  }
}
