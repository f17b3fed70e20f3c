/**
 * Named failures of the domain. One place (errorResponse in shared/http/responses.ts) maps them to HTTP responses; the worker
 * decides from them whether a job is retried or final.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  /** Whether trying the same operation again later may succeed. */
  readonly retryable: boolean = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A DomainError with a fixed code; `retryable` marks failures worth trying again later. */
function failure<const Code extends string>(code: Code, options: { retryable?: boolean } = {}) {
  return class extends DomainError {
    readonly code = code;
    override readonly retryable = options.retryable ?? false;
  };
}

export class ValidationError extends DomainError {
  readonly code = 'VALIDATION_FAILED';
  constructor(
    message: string,
    readonly issues: string[] = [],
  ) {
    super(message);
  }
}

export class NotFoundError extends failure('NOT_FOUND') {}

export class RateLimitedError extends DomainError {
  readonly code = 'RATE_LIMITED';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export class ConcurrentUpdateError extends failure('CONCURRENT_UPDATE', { retryable: true }) {}

/** More than one directory entry matched a lookup that must be unique. */
export class AmbiguousUserError extends failure('AMBIGUOUS_USER') {}

/** AD refused the new password (LDAP 19, 0000052D): policy, history or complexity. */
export class PasswordRejectedError extends failure('PASSWORD_REJECTED') {}

/** The account is protected, disabled, expired or a computer: it must never be written. */
export class IneligibleAccountError extends DomainError {
  readonly code = 'INELIGIBLE_ACCOUNT';
  constructor(
    message: string,
    readonly reason: 'protected' | 'disabled' | 'expired' | 'computer' | 'not-found' | 'ambiguous',
  ) {
    super(message);
  }
}

/** No domain controller answered, or one timed out: worth retrying later. */
export class DirectoryUnavailableError extends failure('DIRECTORY_UNAVAILABLE', { retryable: true }) {}

/** Any other refusal from the directory (rights, unwilling to perform): final. */
export class DirectoryOperationError extends failure('DIRECTORY_OPERATION_FAILED') {}

/** The destination number opted out of SMS (STOP): nothing will be delivered to it. */
export class OptedOutError extends failure('OPTED_OUT') {}

/** A downstream service (SMS, email, queue) failed in a way worth retrying. */
export class DeliveryError extends failure('DELIVERY_FAILED', { retryable: true }) {}

/** The push service says the subscription no longer exists (404 or 410): it is dropped, never retried. */
export class PushSubscriptionGoneError extends failure('PUSH_SUBSCRIPTION_GONE') {}

/** The push service refused the message for good (a bad request, a VAPID key it does not accept, too large). */
export class PushRefusedError extends failure('PUSH_REFUSED') {}

/** No live portal session: never signed in, signed out, or past the idle or absolute limit. */
export class SignedOutError extends failure('SIGNED_OUT') {}

/** Signed in, but not allowed to do this (role, CSRF token, origin). */
export class ForbiddenError extends failure('FORBIDDEN') {}
