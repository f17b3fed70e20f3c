import httpRouterHandler from '@middy/http-router';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Observability } from '../../shared/observability/powertools.js';
import { NotFoundError } from '../../shared/domain/errors.js';
import { observedHttpHandler } from '../../shared/http/middleware.js';
import { createAdminUseCases, type AdminDependencies } from '../../shared/use-cases/admin/index.js';
import type { PortalUseCases } from '../../shared/use-cases/portal/index.js';
import { actorOf } from './request-fields.js';
import { adminRoutes } from './admin-routes.js';
import { portalRoutes } from './portal.js';

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
  const { logger, metrics } = deps.observability;
  const admin = createAdminUseCases(deps);
  const routes = adminRoutes(admin, metrics);
  if (deps.portal)
    routes.push(...portalRoutes(deps.portal.useCases, admin, { portalBaseUrl: deps.portal.portalBaseUrl }).routes);

  const router = httpRouterHandler<APIGatewayProxyEvent, APIGatewayProxyResult>({
    routes,
    notFoundResponse: () => {
      throw new NotFoundError('No such admin route.');
    },
  });

  return observedHttpHandler(router, deps.observability, (event) => {
    // Who asked: the IAM principal when deployed (API Gateway's IAM authorizer fills it in), "local" otherwise.
    // The portal's routes authenticate by session cookie, not IAM: their actor is in the audit log, not here.
    const { path } = event;
    const portal = path === '/admin' || path === '/admin/' || path.startsWith('/admin/portal/');
    logger.info('admin request', {
      method: event.httpMethod,
      route: event.resource,
      caller: portal ? 'portal' : actorOf(event),
    });
    metrics.addMetric('AdminRequests', MetricUnit.Count, 1);
  });
}

export type AdminApiHandler = ReturnType<typeof createAdminApiHandler>;
