/** What a worker learns when it tries to take a job. */
export type JobClaim =
  /** This worker holds the job until `leaseUntil`; it must `complete` or `release` it. */
  | { outcome: 'claimed' }
  /** The job already finished (a duplicate delivery): acknowledge it and do nothing. */
  | { outcome: 'done' }
  /** Another worker holds an unexpired lease: fail this delivery so SQS brings it back later. */
  | { outcome: 'in-progress'; leaseUntil: Date };

export interface JobOutcome {
  result: 'success' | 'refused' | 'failed';
  reason?: string;
}

/**
 * Makes directory jobs idempotent across duplicate and concurrent SQS deliveries (conditional writes keyed by jobId):
 * at most one worker runs a job at a time, and a finished job is never run again.
 */
export interface JobLedger {
  claim(jobId: string, now: Date, leaseUntil: Date): Promise<JobClaim>;
  /** Marks the job finished for good; later claims answer 'done'. Kept at least until `keepUntil`. */
  complete(jobId: string, outcome: JobOutcome, now: Date, keepUntil: Date): Promise<void>;
  /** Gives the lease up after a retryable failure, so the next delivery can claim the job at once. */
  release(jobId: string): Promise<void>;
}
