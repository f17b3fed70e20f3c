import middy from '@middy/core';
import * as z from 'zod';
import httpRouterHandler, { type Route } from '@middy/http-router';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { traceHandler, type Observability } from '../../shared/observability/powertools.js';
import { NotFoundError } from '../../shared/domain/errors.js';
import { jsonResponse } from '../../shared/http/responses.js';
import { mapErrorsToResponses } from '../../shared/http/middleware.js';
import {
  activateRequestSchema,
  resolveRequestSchema,
  type WorkerAdminRequest,
} from '../../shared/domain/worker-admin-contract.js';
import { auditEventView, createAdminUseCases, type AdminDependencies } from '../../shared/use-cases/admin/index.js';
import { parseJsonBody } from '../../shared/http/request-body.js';
import { actorOf, auditLimit, pathId, requestContextOf, requestIdOf } from './request-fields.js';
import { enrollmentView, workerReplyResponse } from './responses.js';
import { portalRoutes } from './portal.js';
import type { PortalUseCases } from '../../shared/use-cases/portal/index.js';

type AdminRoute = Route<APIGatewayProxyEvent, APIGatewayProxyResult>;

const coverageBackfillSchema = z.strictObject({ after: z.uuid().optional() });

export type AdminApiDependencies = AdminDependencies & {
  observability: Observability;
  /** The admin portal (pages, sign-in, its API) when an identity provider is configured. */
  portal?: { useCases: PortalUseCases; portalBaseUrl: string };
};

/**
 * The admin API. Deployed behind API Gateway with IAM authorization (only SigV4-signed requests of allowed principals
 * arrive here); locally behind a bearer-token check in the runtime. Work that needs AD goes to the directory worker.
 */
export function createAdminApiHandler(deps: AdminApiDependencies) {
  const { logger, metrics, tracer } = deps.observability;
  const admin = createAdminUseCases(deps);
  const route = (
    method: AdminRoute['method'],
    path: string,
    handler: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>,
  ): AdminRoute => ({ method, path, handler });
  const askWorker = async (request: WorkerAdminRequest) => workerReplyResponse(await admin.askDirectoryWorker(request));

  const routes: AdminRoute[] = [
    route('POST', '/admin/activations/resolve', async (event) => {
      const { target, reactivate, cursor, pageSize } = parseJsonBody(event, resolveRequestSchema);
      const paging = { ...(cursor !== undefined ? { cursor } : {}), ...(pageSize !== undefined ? { pageSize } : {}) };
      return askWorker({
        action: 'resolve',
        target,
        ...(reactivate ? { reactivate } : {}),
        ...paging,
        requestId: requestIdOf(event),
      });
    }),
    route('POST', '/admin/activations', async (event) => {
      const { userGuids, reactivate } = parseJsonBody(event, activateRequestSchema);
      metrics.addMetric('AdminActivationsRequested', MetricUnit.Count, userGuids.length);
      return askWorker({
        action: 'activate',
        userGuids,
        ...(reactivate ? { reactivate } : {}),
        ...requestContextOf(event),
      });
    }),
    // Currently locked enrolled users and whether the lockout scan alerted them: only the worker reaches AD.
    route('GET', '/admin/locked', async (event) => askWorker({ action: 'locked', requestId: requestIdOf(event) })),
    route('GET', '/admin/enrollments', async () =>
      jsonResponse(200, { enrollments: (await admin.listEnrollments()).map(enrollmentView) }),
    ),
    route('POST', '/admin/enrollments/{userGuid}/revoke', async (event) => {
      const userGuid = pathId(event, 'userGuid');
      const revokedDevices = await admin.revokeEnrollment(userGuid, requestContextOf(event));
      return jsonResponse(200, { userGuid, status: 'revoked', revokedDevices });
    }),
    route('GET', '/admin/enrollments/{userGuid}/audit', async (event) => {
      const userGuid = pathId(event, 'userGuid');
      return jsonResponse(200, {
        userGuid,
        events: (await admin.auditTrail(userGuid, auditLimit(event))).map((audit) => auditEventView(audit)),
      });
    }),
    route('POST', '/admin/devices/{deviceId}/revoke', async (event) => {
      const deviceId = pathId(event, 'deviceId');
      const { userGuid } = await admin.revokeDevice(deviceId, requestContextOf(event));
      return jsonResponse(200, { deviceId, userGuid, status: 'revoked' });
    }),
    // Counts users saved before the portal's coverage counters existed, a page a call (the CLI follows `next`).
    route('POST', '/admin/reports/coverage-backfill', async (event) => {
      const { after } = parseJsonBody(event, coverageBackfillSchema);
      return jsonResponse(200, await admin.backfillCoverage(after));
    }),
  ];
  if (deps.portal)
    routes.push(...portalRoutes(deps.portal.useCases, admin, { portalBaseUrl: deps.portal.portalBaseUrl }).routes);

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
        // The portal's routes authenticate by session cookie, not IAM: their actor is in the audit log, not here.
        const { path } = request.event;
        const caller =
          path === '/admin' || path === '/admin/' || path.startsWith('/admin/portal/')
            ? 'portal'
            : actorOf(request.event);
        logger.info('admin request', { method: request.event.httpMethod, route: request.event.resource, caller });
        metrics.addMetric('AdminRequests', MetricUnit.Count, 1);
      },
    })
    .use(mapErrorsToResponses(logger));
}

export type AdminApiHandler = ReturnType<typeof createAdminApiHandler>;
