import type { IncomingMessage, ServerResponse } from 'node:http';
import { jsonResponse } from '../shared/http/responses.js';
import { appPageHeaders } from '../functions/api/routes/pages.js';
import { buildAppFiles, type AppFiles } from '../scripts/build-app.js';

const contentTypes: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  webmanifest: 'application/manifest+json',
  png: 'image/png',
};

/** Built once per process, on the first request for /app/ (tests that never open the app never pay for it). */
let built: Promise<AppFiles> | undefined;

/**
 * Serves the Blink app at /app/ with the same headers as the setup page (appPageHeaders). Deployed, the same files
 * come from S3 (the BlinkApi stack uploads `npm run build:app`'s dist/app/); they are never part of the api function.
 * /app/ and /app/enroll (the same-phone link, code in the fragment) are the app's page.
 */
export async function serveApp(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const rawPath = new URL(request.url ?? '/', 'http://local.invalid').pathname;
  const send = (status: number, contentType: string, body: Buffer | string, headers: Record<string, string> = {}) => {
    response.writeHead(status, { ...appPageHeaders, 'content-type': contentType, ...headers });
    response.end(request.method === 'HEAD' ? undefined : body);
  };
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    const refused = jsonResponse(405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'Method not allowed.' } });
    send(405, 'application/json; charset=utf-8', refused.body, { allow: 'GET, HEAD' });
    return;
  }
  if (rawPath === '/app') {
    send(301, 'text/plain; charset=utf-8', '', { location: '/app/' });
    return;
  }
  built ??= buildAppFiles();
  const { files } = await built;
  const name = rawPath === '/app/' || rawPath === '/app/enroll' ? 'index.html' : rawPath.slice('/app/'.length);
  const file = files.get(name);
  if (!file) {
    send(
      404,
      'application/json; charset=utf-8',
      jsonResponse(404, { error: { code: 'NOT_FOUND', message: 'No such file.' } }).body,
    );
    return;
  }
  send(200, contentTypes[name.split('.').pop() ?? ''] ?? 'application/octet-stream', file);
}
