import { Duration } from 'aws-cdk-lib';

/**
 * Function timeouts, in one place because the job queue's visibility timeout depends on the worker's. The worker's
 * LDAP timeouts (connect 3 s, operation 5 s) and the lockout scan's time budget (20 s) fit well inside 60 s.
 */
export const TIMEOUTS = {
  api: Duration.seconds(10),
  inboundSms: Duration.seconds(15),
  directoryWorker: Duration.seconds(60),
} as const;

/** AWS's guidance for SQS event sources: at least six times the consumer's timeout, so retries do not overlap. */
export const JOB_QUEUE_VISIBILITY = Duration.seconds(TIMEOUTS.directoryWorker.toSeconds() * 6);
