import type { APIGatewayProxyEvent } from 'aws-lambda';
import { anonymousCallerIdentity } from '../../local/api-gateway-bridge.js';

/** An API Gateway REST (v1) proxy event as the deployed API delivers it. */
export function apiEvent(
  method: string,
  path: string,
  overrides: Partial<APIGatewayProxyEvent> = {},
): APIGatewayProxyEvent {
  return {
    httpMethod: method,
    path,
    resource: '/{proxy+}',
    pathParameters: { proxy: path.replace(/^\//, '') },
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      authorizer: null,
      httpMethod: method,
      path: `/prod${path}`,
      protocol: 'HTTP/1.1',
      requestId: crypto.randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'proxy',
      resourcePath: '/{proxy+}',
      stage: 'prod',
      identity: anonymousCallerIdentity('198.51.100.7', 'jest'),
    },
    ...overrides,
  };
}
