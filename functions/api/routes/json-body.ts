import type { APIGatewayProxyEvent } from 'aws-lambda';

// The body helpers are shared with the admin API; the routes keep importing them from here.
export { bodyText, parseJsonBody } from '../../../shared/http/request-body.js';

/** A header value whatever its case (API Gateway keeps the client's spelling). */
export function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}
