import type { APIGatewayProxyEvent } from 'aws-lambda';
import type * as z from 'zod';
import { parseJson } from '../../../shared/validation/parse-json.js';

/** The request body as text (API Gateway base64-encodes binary bodies). */
export function bodyText(event: APIGatewayProxyEvent): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** Parses a JSON body against `schema`; malformed input is a clear 400, never a 500. */
export function parseJsonBody<Schema extends z.ZodType>(event: APIGatewayProxyEvent, schema: Schema): z.output<Schema> {
  return parseJson(schema, bodyText(event), 'request body');
}

/** A header value whatever its case (API Gateway keeps the client's spelling). */
export function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}
