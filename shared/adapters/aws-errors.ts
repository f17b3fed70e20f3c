import { DeliveryError } from '../domain/errors.js';

/**
 * Reading AWS SDK v3 errors without importing a service package (keeps each Lambda bundle to what it uses). Service
 * exceptions carry `name`, `$fault`, `$retryable` and `$metadata`; network failures are plain Node errors with a
 * `code`, to which the SDK adds `$metadata` after its retries.
 */
export interface AwsErrorShape {
  name: string;
  $fault?: 'client' | 'server';
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number };
}

/** An exception answered by an AWS service (not a network failure). */
export function isAwsServiceError(error: unknown): error is Error & AwsErrorShape {
  return isErrorLike(error) && '$fault' in error;
}

// Duck-typed rather than `instanceof Error`: Node's network errors come from another realm under jest's sandbox.
function isErrorLike(error: unknown): error is Error {
  return typeof error === 'object' && error !== null && typeof (error as { name?: unknown }).name === 'string';
}

const throttlingNames = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'LimitExceededException',
]);

// Matched in the message too: the SDK may wrap a network error in a plain Error that keeps only its text.
const networkFailure = /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EAI_AGAIN|ENOTFOUND|EHOSTUNREACH)\b/;

/** Throttling, a server-side fault or a network failure: the same call may succeed later. */
export function isTransientAwsError(error: unknown): boolean {
  if (!isErrorLike(error)) return false;
  const code = (error as { code?: unknown }).code;
  if (networkFailure.test(`${typeof code === 'string' ? code : ''} ${error.message}`)) return true;
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return true;
  const aws = error as Error & AwsErrorShape;
  return (
    aws.$fault === 'server' ||
    Boolean(aws.$retryable) ||
    throttlingNames.has(error.name) ||
    (aws.$metadata?.httpStatusCode ?? 0) >= 500
  );
}

/**
 * Sends one message (an email, an SMS, a push) and returns the id the service gave it. A transient failure (above) or
 * an answer without an id becomes a DeliveryError, which the caller's queue retries; any other error stays as it is.
 */
export async function sendForMessageId(
  what: { service: string; message: string },
  send: () => Promise<{ MessageId?: string | undefined }>,
): Promise<{ messageId: string }> {
  let messageId: string | undefined;
  try {
    ({ MessageId: messageId } = await send());
  } catch (error) {
    if (isTransientAwsError(error))
      throw new DeliveryError(`${what.service} could not send ${what.message} now`, { cause: error });
    throw error;
  }
  if (!messageId) throw new DeliveryError(`${what.service} accepted ${what.message} without a message id`);
  return { messageId };
}
