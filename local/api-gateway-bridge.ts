import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

export interface BridgeOptions {
  stage: string;
  /** Host of the public base URL: what API Gateway reports as the domain name (never the request's Host header). */
  domainName: string;
}

/** The most API Gateway accepts as a request payload. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

export class BodyTooLargeError extends Error {}

/**
 * How much of an oversized body is read (and thrown away) before the answer: a client still sending its body when the
 * connection closes never sees the 413, so the rest is drained up to this much, and the connection dropped beyond it.
 */
export const MAX_DRAINED_BYTES = 64 * 1024 * 1024;

/** The request body, or a BodyTooLargeError once the whole oversized body has been drained (so the 413 reaches the client). */
export function readBody(request: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DRAINED_BYTES) {
        reject(new BodyTooLargeError(`request body larger than ${limit} bytes`));
        request.destroy();
        return;
      }
      if (size <= limit) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > limit) reject(new BodyTooLargeError(`request body larger than ${limit} bytes`));
      else resolve(Buffer.concat(chunks));
    });
    request.on('error', reject);
  });
}

/** Text bodies arrive as strings; anything else base64-encoded with isBase64Encoded, as API Gateway sends binary. */
function isTextual(contentType: string | undefined): boolean {
  if (!contentType) return true;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type.endsWith('+json') ||
    type === 'application/x-www-form-urlencoded' ||
    type === 'application/xml' ||
    type.endsWith('+xml') ||
    type === 'application/javascript'
  );
}

function apiGatewayTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(
    date.getUTCMinutes(),
  )}:${pad(date.getUTCSeconds())} +0000`;
}

/** The client's address as the socket reports it (IPv4-mapped IPv6 shown as IPv4). X-Forwarded-For is never consulted. */
export function socketSourceIp(request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * An API Gateway REST API (v1) proxy event for a request, as the `/{proxy+}` resource of the deployed API produces
 * it: single- and multi-value headers and query parameters, base64 for binary bodies, and a request context whose
 * sourceIp comes from the TCP connection.
 */
export function toApiGatewayEvent(
  request: IncomingMessage,
  body: Buffer,
  options: BridgeOptions,
): APIGatewayProxyEvent {
  const url = new URL(request.url ?? '/', 'http://bridge.invalid');
  const method = (request.method ?? 'GET').toUpperCase();
  const path = url.pathname;

  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let index = 0; index + 1 < request.rawHeaders.length; index += 2) {
    const name = request.rawHeaders[index] ?? '';
    const value = request.rawHeaders[index + 1] ?? '';
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }

  const query: Record<string, string> = {};
  const multiValueQuery: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) {
    query[name] = value;
    (multiValueQuery[name] ??= []).push(value);
  }
  const hasQuery = Object.keys(query).length > 0;

  const contentType = request.headers['content-type'];
  const textual = isTextual(contentType);
  const isRoot = path === '/';
  let proxy: string;
  try {
    proxy = decodeURIComponent(path.slice(1));
  } catch {
    proxy = path.slice(1);
  }
  const resource = isRoot ? '/' : '/{proxy+}';
  const now = new Date();
  const userAgent = request.headers['user-agent'] ?? null;

  return {
    resource,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiValueQuery : null,
    pathParameters: isRoot ? null : { proxy },
    stageVariables: null,
    body: body.length === 0 ? null : textual ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: body.length > 0 && !textual,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: null,
      domainName: options.domainName,
      domainPrefix: options.domainName.split('.')[0] ?? options.domainName,
      extendedRequestId: randomUUID(),
      httpMethod: method,
      path: `/${options.stage}${path}`,
      protocol: `HTTP/${request.httpVersion}`,
      requestId: randomUUID(),
      requestTime: apiGatewayTime(now),
      requestTimeEpoch: now.getTime(),
      resourceId: isRoot ? 'root' : 'proxy',
      resourcePath: resource,
      stage: options.stage,
      identity: anonymousCallerIdentity(socketSourceIp(request), userAgent),
    },
  };
}

/** The requestContext.identity API Gateway gives a caller without IAM, Cognito or API key: only address and agent. */
export function anonymousCallerIdentity(
  sourceIp: string,
  userAgent: string | null,
): APIGatewayProxyEvent['requestContext']['identity'] {
  return {
    accessKey: null,
    accountId: null,
    apiKey: null,
    apiKeyId: null,
    caller: null,
    clientCert: null,
    cognitoAuthenticationProvider: null,
    cognitoAuthenticationType: null,
    cognitoIdentityId: null,
    cognitoIdentityPoolId: null,
    principalOrgId: null,
    sourceIp,
    user: null,
    userAgent,
    userArn: null,
  };
}

/** Writes a proxy integration result back as an HTTP response (headers merged with multiValueHeaders). */
export function writeProxyResult(response: ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = [String(value)];
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    headers[name.toLowerCase()] = values.map((value) => String(value));
  }
  const body = result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
  response.statusCode = result.statusCode;
  for (const [name, values] of Object.entries(headers))
    response.setHeader(name, values.length === 1 ? (values[0] ?? '') : values);
  response.setHeader('content-length', body.length);
  response.end(body);
}
