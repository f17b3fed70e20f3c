import type { APIGatewayProxyEvent } from 'aws-lambda';
import * as z from 'zod';
import { ValidationError } from '../../shared/domain/errors.js';
import {
  activateRequestSchema,
  activationTargetSchema,
  resolveRequestSchema,
  targetKinds,
} from '../../shared/domain/worker-admin-contract.js';
import { baseHeaders, jsonResponse } from '../../shared/http/responses.js';
import { parseJsonBody } from '../../shared/http/request-body.js';
import {
  groupCoverageCsv,
  reportCsv,
  REPORT_DAYS_MAX,
  type PortalUseCases,
  type PortalUser,
} from '../../shared/use-cases/portal/index.js';
import { requestIdOf } from './request-fields.js';
import { workerReplyResponse } from './responses.js';
import type { PortalRoute } from './portal.js';

const resolveSchema = z.strictObject({
  target: activationTargetSchema,
  reactivate: resolveRequestSchema.shape.reactivate,
  cursor: resolveRequestSchema.shape.cursor,
});
const findTargetsSchema = z.object({ kind: z.enum(targetKinds), q: z.string().max(256).default('') });
const daysSchema = z.object({ days: z.coerce.number().int().min(1).max(REPORT_DAYS_MAX).default(30) });
const groupSchema = activationTargetSchema.options[1].shape.group;

function queryOf<T>(event: APIGatewayProxyEvent, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(event.queryStringParameters ?? {});
  if (!parsed.success)
    throw new ValidationError(
      'Invalid query.',
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  return parsed.data;
}

const daysOf = (event: APIGatewayProxyEvent): number => queryOf(event, daysSchema.loose()).days;

/** A CSV download: an attachment, never rendered by the browser. */
function csvResponse(fileName: string, body: string) {
  return {
    statusCode: 200,
    headers: {
      ...baseHeaders,
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${fileName}"`,
    },
    body,
  };
}

/**
 * The Admin-only pages' API: Activate (target picker, dry run pages, activation chunks) and Reports (charts' data and
 * their CSV). Technicians get 403. The session, same-origin and CSRF checks are the portal's (`changeAs`).
 */
export function portalAdminRoutes(
  portal: PortalUseCases,
  access: {
    signedIn: (event: APIGatewayProxyEvent) => Promise<PortalUser>;
    changeAs: (event: APIGatewayProxyEvent, role: 'admin') => Promise<PortalUser>;
  },
): PortalRoute[] {
  const readAsAdmin = async (event: APIGatewayProxyEvent) => {
    const user = await access.signedIn(event);
    portal.requireRole(user, 'admin');
    return user;
  };
  return [
    {
      method: 'GET',
      path: '/admin/portal/api/activation-targets',
      handler: async (event) => {
        await readAsAdmin(event);
        const { kind, q } = queryOf(event, findTargetsSchema);
        return workerReplyResponse(await portal.findActivationTargets(kind, q.trim(), requestIdOf(event)));
      },
    },
    {
      method: 'POST',
      path: '/admin/portal/api/activations/resolve',
      handler: async (event) => {
        await access.changeAs(event, 'admin');
        const { target, reactivate, cursor } = parseJsonBody(event, resolveSchema);
        return workerReplyResponse(
          await portal.resolveActivationPage(
            { target, ...(reactivate ? { reactivate } : {}), ...(cursor !== undefined ? { cursor } : {}) },
            requestIdOf(event),
          ),
        );
      },
    },
    {
      method: 'POST',
      path: '/admin/portal/api/activations',
      handler: async (event) => {
        const admin = await access.changeAs(event, 'admin');
        const { userGuids, reactivate } = parseJsonBody(event, activateRequestSchema);
        return workerReplyResponse(
          await portal.activateChunk(admin, { userGuids, ...(reactivate ? { reactivate } : {}) }, requestIdOf(event)),
        );
      },
    },
    {
      method: 'GET',
      path: '/admin/portal/api/reports',
      handler: async (event) => {
        await readAsAdmin(event);
        return jsonResponse(200, await portal.readReports(daysOf(event)));
      },
    },
    {
      method: 'GET',
      path: '/admin/portal/api/reports/group',
      handler: async (event) => {
        await readAsAdmin(event);
        const { group } = queryOf(event, z.object({ group: groupSchema }));
        const coverage = await portal.readGroupCoverage(group, requestIdOf(event));
        return coverage.ok ? jsonResponse(200, coverage.result) : workerReplyResponse(coverage);
      },
    },
    {
      method: 'GET',
      path: '/admin/portal/api/reports/csv/{report}',
      handler: async (event) => {
        await readAsAdmin(event);
        const report = z.enum(['daily', 'coverage', 'group']).safeParse(event.pathParameters?.['report']);
        if (!report.success) throw new ValidationError('report must be daily, coverage or group.');
        if (report.data === 'group') {
          const { group } = queryOf(event, z.object({ group: groupSchema }));
          const coverage = await portal.readGroupCoverage(group, requestIdOf(event));
          if (!coverage.ok) return workerReplyResponse(coverage);
          return csvResponse('blink-group-coverage.csv', groupCoverageCsv(coverage.result));
        }
        const reports = await portal.readReports(daysOf(event));
        return csvResponse(
          `blink-${report.data}-${reports.from}-to-${reports.to}.csv`,
          reportCsv(reports, report.data),
        );
      },
    },
  ];
}
