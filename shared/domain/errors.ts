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

export class ValidationError extends DomainError {
  readonly code = 'VALIDATION_FAILED';
  constructor(
    message: string,
    readonly issues: string[] = [],
  ) {
    super(message);
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
}

export class RateLimitedError extends DomainError {
  readonly code = 'RATE_LIMITED';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export class ConcurrentUpdateError extends DomainError {
  readonly code = 'CONCURRENT_UPDATE';
  override readonly retryable = true;
}

/** More than one directory entry matched a lookup that must be unique. */
export class AmbiguousUserError extends DomainError {
  readonly code = 'AMBIGUOUS_USER';
}

/** AD refused the new password (LDAP 19, 0000052D): policy, history or complexity. */
export class PasswordRejectedError extends DomainError {
  readonly code = 'PASSWORD_REJECTED';
}

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
export class DirectoryUnavailableError extends DomainError {
  readonly code = 'DIRECTORY_UNAVAILABLE';
  override readonly retryable = true;
}

/** Any other refusal from the directory (rights, unwilling to perform): final. */
export class DirectoryOperationError extends DomainError {
  readonly code = 'DIRECTORY_OPERATION_FAILED';
}

/** The destination number opted out of SMS (STOP): nothing will be delivered to it. */
export class OptedOutError extends DomainError {
  readonly code = 'OPTED_OUT';
}

/** A downstream service (SMS, email, queue) failed in a way worth retrying. */
export class DeliveryError extends DomainError {
  readonly code = 'DELIVERY_FAILED';
  override readonly retryable = true;
}

/** The push service says the subscription no longer exists (404 or 410): it is dropped, never retried. */
export class PushSubscriptionGoneError extends DomainError {
  readonly code = 'PUSH_SUBSCRIPTION_GONE';
}

/** The push service refused the message for good (a bad request, a VAPID key it does not accept, too large). */
export class PushRefusedError extends DomainError {
  readonly code = 'PUSH_REFUSED';
}

/** No live portal session: never signed in, signed out, or past the idle or absolute limit. */
export class SignedOutError extends DomainError {
  readonly code = 'SIGNED_OUT';
}

/** Signed in, but not allowed to do this (role, CSRF token, origin). */
export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
}
