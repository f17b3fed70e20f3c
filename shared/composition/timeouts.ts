/**
 * Each function's timeout in seconds, in one place: infra/timeouts.ts sets them on the Lambdas (and derives the queues'
 * visibility timeouts from them), the directory worker holds a claimed job for its own timeout, and the local runtime
 * gives each handler the same deadline. Plain numbers, so the functions read them without aws-cdk-lib.
 *
 * The worker's LDAP timeouts (connect 3 s, operation 5 s), the lockout scan's time budget (20 s) and a reset's
 * confirmation on the other DCs (REPLICATION_CONFIRM_SECONDS, at most 20 s) fit well inside its 60 s; the admin API stops waiting for the worker when API Gateway ends the integration (29 s).
 */
export const FUNCTION_TIMEOUT_SECONDS = {
  api: 10,
  'inbound-sms': 15,
  'directory-worker': 60,
  'admin-api': 29,
  // A batch of up to 10 pushes, each request bounded at 5 s (shared/composition/web-push-sender.ts).
  'web-push-sender': 30,
} as const;

export type FunctionName = keyof typeof FUNCTION_TIMEOUT_SECONDS;

/** A function's timeout in milliseconds (the deadline of a Lambda context). */
export const functionTimeoutMs = (name: FunctionName): number => FUNCTION_TIMEOUT_SECONDS[name] * 1000;
