import type middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Logger } from '@aws-lambda-powertools/logger';
import { DomainError } from '../domain/errors.js';
import { errorResponse } from './responses.js';
import { observedHandler } from '../observability/handler-chain.js';
import type { Observability } from '../observability/powertools.js';

/**
 * Turns any failure into the one error answer (shared/http/responses.ts). Domain errors are expected outcomes and
 * logged at info; anything else is logged as an error with its stack, which never reaches the client.
 */
export function mapErrorsToResponses(logger: Logger): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: async (request) => {
      const { error } = request;
      if (error instanceof DomainError) logger.info('request refused', { code: error.code });
      else logger.error('request failed', error instanceof Error ? error : String(error));
      request.response = errorResponse(error);
    },
  };
}

/**
 * An API Gateway proxy handler in the house chain (observedHandler) that answers every failure with the one error
 * answer. `onRequest` runs first on each request (a request counter, an access log line).
 */
export function observedHttpHandler(
  router: Parameters<typeof observedHandler<APIGatewayProxyEvent, APIGatewayProxyResult>>[0],
  observability: Observability,
  onRequest?: (event: APIGatewayProxyEvent) => void,
) {
  return observedHandler<APIGatewayProxyEvent, APIGatewayProxyResult>(router, observability)
    .use({
      // A block body: a middy `before` that returns a value would end the request with it.
      before: (request) => {
        onRequest?.(request.event);
      },
    })
    .use(mapErrorsToResponses(observability.logger));
}
