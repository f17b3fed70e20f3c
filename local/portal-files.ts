import type { IncomingMessage, ServerResponse } from 'node:http';
import { portalPageHeaders } from '../functions/admin-api/portal.js';
import { portalAdminCss, portalAdminJs, portalCss, portalHtml, portalJs } from '../web/assets.generated.js';

/**
 * The admin portal's page and files, by path (trailing slashes already trimmed): what the deployed admin API serves
 * from S3 (`npm run build:web` writes the same shrunk bytes to dist/portal/). They are static and public, as
 * deployed: the page holds no data, and its script starts the sign-in when the portal API answers 401.
 */
const portalFiles: ReadonlyMap<string, { contentType: string; body: string }> = new Map([
  ['/admin', { contentType: 'text/html; charset=utf-8', body: portalHtml }],
  ['/admin/portal/portal.js', { contentType: 'text/javascript; charset=utf-8', body: portalJs }],
  ['/admin/portal/portal.css', { contentType: 'text/css; charset=utf-8', body: portalCss }],
  ['/admin/portal/portal-admin.js', { contentType: 'text/javascript; charset=utf-8', body: portalAdminJs }],
  ['/admin/portal/portal-admin.css', { contentType: 'text/css; charset=utf-8', body: portalAdminCss }],
]);

/** Answers a GET or HEAD for one of the portal's files; false when `pathname` is not one (or the method is not GET). */
export function servePortalFile(pathname: string, request: IncomingMessage, response: ServerResponse): boolean {
  const file = portalFiles.get(pathname);
  if (!file || (request.method !== 'GET' && request.method !== 'HEAD')) return false;
  response.writeHead(200, { ...portalPageHeaders, 'content-type': file.contentType });
  response.end(request.method === 'HEAD' ? undefined : file.body);
  return true;
}
