import type middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Logger } from '@aws-lambda-powertools/logger';
import { DomainError } from '../domain/errors.js';
import { errorResponse } from './responses.js';

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
