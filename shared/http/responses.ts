import type { APIGatewayProxyResult } from 'aws-lambda';
import { DomainError, RateLimitedError, ValidationError } from '../domain/errors.js';

/**
 * Headers every API response (JSON answers, pages and their assets) carries: nothing is cached, nothing leaks through
 * referrers or sniffing, and browsers keep to HTTPS for two years (HSTS), so a later visit to an http:// link never
 * reaches the network in clear. Browsers ignore HSTS on plain-http answers, so the local runtime is unaffected.
 */
export const baseHeaders: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
};

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { ...baseHeaders, 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

/** Body shape of every error answer: a stable code and a message safe to show. */
export interface ErrorBody {
  error: { code: string; message: string; issues?: string[] };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

const statusByCode: Readonly<Record<string, number>> = {
  VALIDATION_FAILED: 400,
  NOT_FOUND: 404,
  CONCURRENT_UPDATE: 409,
  RATE_LIMITED: 429,
  SIGNED_OUT: 401,
  FORBIDDEN: 403,
};

/**
 * The one mapping from failures to HTTP answers. Domain errors keep their message; anything else is a 500 with a
 * generic message, so no stack trace or internal detail reaches a client.
 */
export function errorResponse(error: unknown): APIGatewayProxyResult {
  if (error instanceof DomainError && error.code in statusByCode) {
    const body = errorBody(error.code, error.message);
    if (error instanceof ValidationError && error.issues.length > 0) body.error.issues = error.issues;
    const headers: Record<string, string> =
      error instanceof RateLimitedError ? { 'retry-after': String(error.retryAfterSeconds) } : {};
    return jsonResponse(statusByCode[error.code] ?? 500, body, headers);
  }
  return jsonResponse(500, errorBody('INTERNAL', 'Something went wrong. Please try again later.'));
}
