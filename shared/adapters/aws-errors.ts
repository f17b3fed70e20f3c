/**
 * Reading AWS SDK v3 service exceptions without importing a service package (keeps each Lambda bundle to what it
 * uses). Every SDK exception carries `name`, `$fault` and `$retryable`/`$metadata`.
 */
export interface AwsErrorShape {
  name: string;
  $fault?: 'client' | 'server';
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number };
}

export function isAwsError(error: unknown): error is Error & AwsErrorShape {
  return error instanceof Error && ('$fault' in error || '$metadata' in error);
}

const throttlingNames = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'LimitExceededException',
]);

/** Throttling, a server-side fault or a network failure: the same call may succeed later. */
export function isTransientAwsError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (!isAwsError(error)) {
    // No service response at all (connection refused, reset, timeout).
    return ['TimeoutError', 'AbortError'].includes(error.name) || /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|socket hang up/.test(error.message);
  }
  return (
    error.$fault === 'server' ||
    Boolean(error.$retryable) ||
    throttlingNames.has(error.name) ||
    (error.$metadata?.httpStatusCode ?? 0) >= 500
  );
}
