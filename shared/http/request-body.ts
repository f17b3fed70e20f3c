import type { APIGatewayProxyEvent } from 'aws-lambda';
import type * as z from 'zod';
import { parseJson } from '../validation/parse-json.js';

/** The request body as text (API Gateway base64-encodes binary bodies). */
export function bodyText(event: APIGatewayProxyEvent): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** Parses a JSON body against `schema`; malformed input is a clear 400, never a 500. */
export function parseJsonBody<Schema extends z.ZodType>(event: APIGatewayProxyEvent, schema: Schema): z.output<Schema> {
  return parseJson(schema, bodyText(event), 'request body');
}
