import httpRouterHandler, { type Route } from '@middy/http-router';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Observability } from '../../shared/observability/powertools.js';
import { NotFoundError } from '../../shared/domain/errors.js';
import { jsonResponse } from '../../shared/http/responses.js';
import { observedHttpHandler } from '../../shared/http/middleware.js';

export type ApiRoute = Route<APIGatewayProxyEvent, APIGatewayProxyResult>;

export interface ApiDependencies {
  observability: Observability;
  version: string;
  /** The feature routes (pages, setup, device API), built by the composition root from their use cases. */
  routes?: ApiRoute[];
}

/** The public REST API: one function behind API Gateway's proxy integration, routed here. */
export function createApiHandler({ observability, version, routes: featureRoutes = [] }: ApiDependencies) {
  const { metrics } = observability;

  const routes: ApiRoute[] = [
    // Liveness only: it touches no dependency, so a load balancer or uptime check can call it freely.
    { method: 'GET', path: '/health', handler: async () => jsonResponse(200, { status: 'ok' }) },
    { method: 'GET', path: '/version', handler: async () => jsonResponse(200, { name: 'blink', version }) },
    ...featureRoutes,
  ];

  const router = httpRouterHandler<APIGatewayProxyEvent, APIGatewayProxyResult>({
    routes,
    notFoundResponse: () => {
      throw new NotFoundError('No such route.');
    },
  });

  const handler = observedHttpHandler(router, observability, () => {
    metrics.addMetric('ApiRequests', MetricUnit.Count, 1);
  });
  // The (method, path) pairs served, for the check of docs/api/device-api.yaml against the router.
  const served = routes.map(({ method, path }) => ({ method, path }));
  return Object.assign(handler, { routes: served });
}

export type ApiHandler = ReturnType<typeof createApiHandler>;
