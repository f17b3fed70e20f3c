import * as z from 'zod';
import type { Route } from '@middy/http-router';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { jsonResponse } from '../../shared/http/responses.js';
import { parseJsonBody } from '../../shared/http/request-body.js';
import { activateRequestSchema, resolveRequestSchema } from '../../shared/domain/worker-admin-contract.js';
import { auditEventView, type AdminUseCases } from '../../shared/use-cases/admin/index.js';
import { auditLimit, pathId, requestContextOf, requestIdOf } from './request-fields.js';
import { enrollmentView, workerReplyResponse } from './responses.js';

export type AdminRoute = Route<APIGatewayProxyEvent, APIGatewayProxyResult>;
type Handler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

const coverageBackfillSchema = z.strictObject({ after: z.uuid().optional() });

/** The CLI's routes (IAM-signed when deployed): each parses its request, calls one admin use case and maps the answer. */
export function adminRoutes(admin: AdminUseCases, metrics: Metrics): AdminRoute[] {
  const route = (method: AdminRoute['method'], path: string, handler: Handler): AdminRoute => ({
    method,
    path,
    handler,
  });
  return [
    route('POST', '/admin/activations/resolve', async (event) => {
      const request = parseJsonBody(event, resolveRequestSchema);
      return workerReplyResponse(
        await admin.askDirectoryWorker({ action: 'resolve', ...request, requestId: requestIdOf(event) }),
      );
    }),
    route('POST', '/admin/activations', async (event) => {
      const request = parseJsonBody(event, activateRequestSchema);
      metrics.addMetric('AdminActivationsRequested', MetricUnit.Count, request.userGuids.length);
      return workerReplyResponse(
        await admin.askDirectoryWorker({ action: 'activate', ...request, ...requestContextOf(event) }),
      );
    }),
    // Currently locked enrolled users and whether the lockout scan alerted them: only the worker reaches AD.
    route('GET', '/admin/locked', async (event) =>
      workerReplyResponse(await admin.askDirectoryWorker({ action: 'locked', requestId: requestIdOf(event) })),
    ),
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
      const events = await admin.auditTrail(userGuid, auditLimit(event));
      return jsonResponse(200, { userGuid, events: events.map((audit) => auditEventView(audit)) });
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
}
