import { Duration } from 'aws-cdk-lib';
import { FUNCTION_TIMEOUT_SECONDS } from '../shared/composition/timeouts.js';

/** The functions' timeouts (the values live in shared/composition/timeouts.ts), as CDK durations. */
export const TIMEOUTS = {
  api: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.api),
  inboundSms: Duration.seconds(FUNCTION_TIMEOUT_SECONDS['inbound-sms']),
  directoryWorker: Duration.seconds(FUNCTION_TIMEOUT_SECONDS['directory-worker']),
  adminApi: Duration.seconds(FUNCTION_TIMEOUT_SECONDS['admin-api']),
  webPushSender: Duration.seconds(FUNCTION_TIMEOUT_SECONDS['web-push-sender']),
} as const;

/** AWS's guidance for SQS event sources: at least six times the consumer's timeout, so retries do not overlap. */
export const JOB_QUEUE_VISIBILITY = Duration.seconds(TIMEOUTS.directoryWorker.toSeconds() * 6);

/** The web-push queue's visibility timeout, by the same rule for its consumer, the web-push sender. */
export const WEB_PUSH_QUEUE_VISIBILITY = Duration.seconds(TIMEOUTS.webPushSender.toSeconds() * 6);
