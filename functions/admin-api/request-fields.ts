import type { APIGatewayProxyEvent } from 'aws-lambda';
import * as z from 'zod';
import { ValidationError } from '../../shared/domain/errors.js';
import { GUID_PATTERN } from '../../shared/validation/uuid.js';

// What the admin routes read from a request besides the body (parseJsonBody, shared/http): GUIDs in the path, `?limit=`, who asked.

/** A user's audit events, newest first: `?limit=` (default 100). */
const AUDIT_LIST_MAX = 1000;
const auditLimitSchema = z.coerce.number().int().min(1).max(AUDIT_LIST_MAX).default(100);

export function auditLimit(event: APIGatewayProxyEvent): number {
  const limit = auditLimitSchema.safeParse(event.queryStringParameters?.['limit'] ?? undefined);
  if (!limit.success) throw new ValidationError(`limit must be a whole number from 1 to ${AUDIT_LIST_MAX}.`);
  return limit.data;
}

const idSchema = z.string().regex(GUID_PATTERN, 'must be a GUID');

export function pathId(event: APIGatewayProxyEvent, name: 'userGuid' | 'deviceId'): string {
  const parsed = idSchema.safeParse(event.pathParameters?.[name]);
  if (!parsed.success) throw new ValidationError(`${name} must be a GUID.`);
  return parsed.data.toLowerCase();
}

/**
 * Who asked: the IAM principal API Gateway's IAM authorizer verified (deployed), or `local-admin` for the local bearer
 * token. Recorded with every admin action in the audit log.
 */
export function actorOf(event: APIGatewayProxyEvent): string {
  return event.requestContext?.identity?.userArn ?? 'local-admin';
}

export function requestIdOf(event: APIGatewayProxyEvent): string {
  return event.requestContext?.requestId ?? 'unknown';
}

export function requestContextOf(event: APIGatewayProxyEvent): { requestId: string; actor: string } {
  return { requestId: requestIdOf(event), actor: actorOf(event) };
}
