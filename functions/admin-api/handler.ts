import { randomBytes } from 'node:crypto';
import middy from '@middy/core';
import httpRouterHandler, { type Route } from '@middy/http-router';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import { traceHandler, type Observability } from '../../shared/observability/powertools.js';
import { ConcurrentUpdateError, NotFoundError, ValidationError } from '../../shared/domain/errors.js';
import { jsonResponse } from '../../shared/http/responses.js';
import { mapErrorsToResponses } from '../../shared/http/middleware.js';
import type { AuditLog } from '../../shared/ports/audit-log.js';
import type { Clock } from '../../shared/ports/clock.js';
import type { DeviceStore } from '../../shared/ports/device-store.js';
import type { EnrollmentStore } from '../../shared/ports/enrollment-store.js';
import type { WorkerInvoker } from '../../shared/ports/directory-worker.js';
import type { Enrollment } from '../../shared/domain/enrollment.js';
import {
  activateRequestSchema,
  resolveRequestSchema,
  type WorkerAdminRequest,
} from '../../shared/use-cases/activation/contract.js';

type AdminRoute = Route<APIGatewayProxyEvent, APIGatewayProxyResult>;

export interface AdminApiDependencies {
  observability: Observability;
  worker: WorkerInvoker;
  enrollmentStore: EnrollmentStore;
  deviceStore: DeviceStore;
  /** The GUIDs of every user with an enrollment. */
  listEnrolledUsers: () => Promise<string[]>;
  auditLog: AuditLog;
  clock: Clock;
}

const SAVE_ATTEMPTS = 5;

/**
 * The admin API. Deployed behind API Gateway with IAM authorization (only SigV4-signed requests of allowed principals
 * arrive here); locally behind a bearer-token check in the runtime. Work that needs AD goes to the directory worker.
 */
export function createAdminApiHandler(deps: AdminApiDependencies) {
  const { logger, metrics, tracer } = deps.observability;

  const callWorker = async (request: WorkerAdminRequest): Promise<APIGatewayProxyResult> => {
    const reply = await deps.worker.invoke(request);
    if (reply.ok) return jsonResponse(200, reply.result);
    if (reply.error.code === 'VALIDATION_FAILED') throw new ValidationError(reply.error.message, reply.error.issues ?? []);
    const status = reply.error.code === 'DIRECTORY_UNAVAILABLE' ? 503 : 502;
    return jsonResponse(status, { error: { code: reply.error.code, message: reply.error.message } });
  };

  const routes: AdminRoute[] = [
    {
      method: 'POST',
      path: '/admin/activations/resolve',
      handler: async (event: APIGatewayProxyEvent) => {
        const { target, reactivate, cursor, pageSize } = parseBody(event, resolveRequestSchema);
        return callWorker({
          action: 'resolve',
          target,
          ...(reactivate ? { reactivate } : {}),
          ...(cursor !== undefined ? { cursor } : {}),
          ...(pageSize !== undefined ? { pageSize } : {}),
          requestId: requestIdOf(event),
        });
      },
    },
    {
      method: 'POST',
      path: '/admin/activations',
      handler: async (event: APIGatewayProxyEvent) => {
        const { userGuids, reactivate } = parseBody(event, activateRequestSchema);
        metrics.addMetric('AdminActivationsRequested', MetricUnit.Count, userGuids.length);
        return callWorker({
          action: 'activate',
          userGuids,
          ...(reactivate ? { reactivate } : {}),
          requestId: requestIdOf(event),
          actor: actorOf(event),
        });
      },
    },
    {
      // Currently locked enrolled users and whether the lockout scan alerted them: only the worker reaches AD.
      method: 'GET',
      path: '/admin/locked',
      handler: async (event: APIGatewayProxyEvent) => callWorker({ action: 'locked', requestId: requestIdOf(event) }),
    },
    {
      method: 'GET',
      path: '/admin/enrollments',
      handler: async () => {
        const enrollments = await mapInBatches(await deps.listEnrolledUsers(), 10, (userGuid) => deps.enrollmentStore.get(userGuid));
        const listed = enrollments
          .filter((enrollment): enrollment is Enrollment => enrollment !== undefined)
          .sort((a, b) => a.samAccountName.localeCompare(b.samAccountName));
        const withDevices = await mapInBatches(listed, 10, async (enrollment) => ({
          userGuid: enrollment.userGuid,
          samAccountName: enrollment.samAccountName,
          displayName: enrollment.displayName,
          mail: enrollment.mail,
          status: enrollment.status,
          methods: enrollment.methods,
          activatedAt: enrollment.activatedAt.toISOString(),
          updatedAt: enrollment.updatedAt.toISOString(),
          devices: (await deps.deviceStore.listForUser(enrollment.userGuid)).map((device) => ({
            deviceId: device.deviceId,
            platform: device.platform,
            boundAt: device.boundAt.toISOString(),
            ...(device.revokedAt ? { revokedAt: device.revokedAt.toISOString() } : {}),
          })),
        }));
        return jsonResponse(200, { enrollments: withDevices });
      },
    },
    {
      method: 'POST',
      path: '/admin/enrollments/{userGuid}/revoke',
      handler: async (event: APIGatewayProxyEvent) => {
        const userGuid = pathId(event, 'userGuid');
        const revokedDevices = await revokeEnrollment(deps, userGuid, { requestId: requestIdOf(event), actor: actorOf(event) });
        return jsonResponse(200, { userGuid, status: 'revoked', revokedDevices });
      },
    },
    {
      method: 'GET',
      path: '/admin/enrollments/{userGuid}/audit',
      handler: async (event: APIGatewayProxyEvent) => {
        const userGuid = pathId(event, 'userGuid');
        const limit = auditLimitSchema.safeParse(event.queryStringParameters?.['limit'] ?? undefined);
        if (!limit.success) throw new ValidationError(`limit must be a whole number from 1 to ${AUDIT_LIST_MAX}.`);
        const events = await deps.auditLog.listForUser(userGuid, limit.data);
        return jsonResponse(200, {
          userGuid,
          events: events.map((audit) => ({
            at: audit.at.toISOString(),
            action: audit.action,
            channel: audit.channel,
            result: audit.result,
            ...(audit.reason !== undefined ? { reason: audit.reason } : {}),
            ...(audit.requestId !== undefined ? { requestId: audit.requestId } : {}),
            ...(audit.actor !== undefined ? { actor: audit.actor } : {}),
          })),
        });
      },
    },
    {
      method: 'POST',
      path: '/admin/devices/{deviceId}/revoke',
      handler: async (event: APIGatewayProxyEvent) => {
        const deviceId = pathId(event, 'deviceId');
        const device = await deps.deviceStore.get(deviceId);
        const now = deps.clock.now();
        if (!device || !(await deps.deviceStore.revoke(deviceId, now))) throw new NotFoundError('No such device.');
        await deps.auditLog.record({
          userGuid: device.userGuid,
          action: 'device.revoked',
          channel: 'admin',
          result: 'success',
          requestId: requestIdOf(event),
          actor: actorOf(event),
          at: now,
        });
        return jsonResponse(200, { deviceId, userGuid: device.userGuid, status: 'revoked' });
      },
    },
  ];

  const router = httpRouterHandler<APIGatewayProxyEvent, APIGatewayProxyResult>({
    routes,
    notFoundResponse: () => {
      throw new NotFoundError('No such admin route.');
    },
  });

  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>(router)
    .use(traceHandler(tracer))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use({
      before: (request) => {
        // Who asked: the IAM principal when deployed (API Gateway's IAM authorizer fills it in), "local" otherwise.
        const caller = actorOf(request.event);
        logger.info('admin request', { method: request.event.httpMethod, route: request.event.resource, caller });
        metrics.addMetric('AdminRequests', MetricUnit.Count, 1);
      },
    })
    .use(mapErrorsToResponses(logger));
}

export type AdminApiHandler = ReturnType<typeof createAdminApiHandler>;

/**
 * Revokes the enrollment (no more resets by SMS or app), every device of the user, and any outstanding activation
 * link (superseded by an unknown, already expired one). Returns the ids of the devices revoked now.
 */
async function revokeEnrollment(deps: AdminApiDependencies, userGuid: string, request: { requestId: string; actor: string }): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    const enrollment = await deps.enrollmentStore.get(userGuid);
    if (!enrollment) throw new NotFoundError('No such enrollment.');
    const now = deps.clock.now();
    try {
      await deps.enrollmentStore.save(
        { ...enrollment, status: 'revoked', methods: { sms: false, app: false }, updatedAt: now },
        enrollment.version,
      );
    } catch (error) {
      if (error instanceof ConcurrentUpdateError && attempt < SAVE_ATTEMPTS) continue;
      throw error;
    }
    // Nobody knows this value and it is already expired: the old link stops working, and nothing new works.
    await deps.enrollmentStore.putSecret({
      purpose: 'activation',
      hash: randomBytes(32).toString('hex'),
      userGuid,
      issuedAt: now,
      expiresAt: now,
    });
    const revoked: string[] = [];
    for (const device of await deps.deviceStore.listForUser(userGuid)) {
      if (device.revokedAt) continue;
      if (await deps.deviceStore.revoke(device.deviceId, now)) revoked.push(device.deviceId);
    }
    await deps.auditLog.record({ userGuid, action: 'enrollment.revoked', channel: 'admin', result: 'success', ...request, at: now });
    return revoked;
  }
}

/** Maps with at most `size` calls in flight, keeping the order. */
async function mapInBatches<T, R>(items: T[], size: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size) results.push(...(await Promise.all(items.slice(start, start + size).map(map))));
  return results;
}

function parseBody<T extends z.ZodType>(event: APIGatewayProxyEvent, schema: T): z.output<T> {
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

const idSchema = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID');

function pathId(event: APIGatewayProxyEvent, name: 'userGuid' | 'deviceId'): string {
  const parsed = idSchema.safeParse(event.pathParameters?.[name]);
  if (!parsed.success) throw new ValidationError(`${name} must be a GUID.`);
  return parsed.data.toLowerCase();
}

/**
 * Who asked: the IAM principal API Gateway's IAM authorizer verified (deployed), or `local-admin` for the local bearer
 * token. Recorded with every admin action in the audit log.
 */
function actorOf(event: APIGatewayProxyEvent): string {
  return event.requestContext?.identity?.userArn ?? 'local-admin';
}

function requestIdOf(event: APIGatewayProxyEvent): string {
  return event.requestContext?.requestId ?? 'unknown';
}
