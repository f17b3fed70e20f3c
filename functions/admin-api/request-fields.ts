import type { APIGatewayProxyEvent } from 'aws-lambda';
import * as z from 'zod';
import { ValidationError } from '../../shared/domain/errors.js';

/** What the admin routes read from a request: a JSON body, GUIDs in the path, `?limit=`, who asked. */
export function parseBody<T extends z.ZodType>(event: APIGatewayProxyEvent, schema: T): z.output<T> {
  let json: unknown;
  try {
    const raw = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : event.body ?? '';
    json = JSON.parse(raw);
  } catch {
    throw new ValidationError('The body must be JSON.');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
    throw new ValidationError(`Invalid request: ${issues.join('; ')}`, issues);
  }
  return parsed.data;
}

/** A user's audit events, newest first: `?limit=` (default 100). */
const AUDIT_LIST_MAX = 1000;
const auditLimitSchema = z.coerce.number().int().min(1).max(AUDIT_LIST_MAX).default(100);

export function auditLimit(event: APIGatewayProxyEvent): number {
  const limit = auditLimitSchema.safeParse(event.queryStringParameters?.['limit'] ?? undefined);
  if (!limit.success) throw new ValidationError(`limit must be a whole number from 1 to ${AUDIT_LIST_MAX}.`);
  return limit.data;
}

const idSchema = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID');

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
