import type { APIGatewayProxyResult } from 'aws-lambda';
import { baseHeaders } from '../../../shared/http/responses.js';
import { setupCss, setupHtml, setupJs } from '../../../web/assets.generated.js';
import type { ApiRoute } from '../handler.js';

/**
 * The strict policy of every page and asset: same-origin script, style and fetches only, no inline script or style,
 * images from the page itself or data: URLs (the QR code), no framing, no form posts or <base> elsewhere.
 */
export const pageContentSecurityPolicy =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** Headers of the pages and their assets: the API's (no-store, no-referrer, nosniff) plus the CSP. */
export const pageHeaders: Readonly<Record<string, string>> = {
  ...baseHeaders,
  'content-security-policy': pageContentSecurityPolicy,
};

/**
 * The Blink app's policy (app/, served from S3 deployed and by the local runtime): the page's, plus its manifest, its
 * service worker, and the camera preview of the QR scanner.
 */
export const appContentSecurityPolicy = pageContentSecurityPolicy.replace(
  "connect-src 'self';",
  "connect-src 'self'; manifest-src 'self'; worker-src 'self'; media-src 'self' blob:;",
);

export const appPageHeaders: Readonly<Record<string, string>> = {
  ...baseHeaders,
  'content-security-policy': appContentSecurityPolicy,
};

function asset(contentType: string, body: string): () => Promise<APIGatewayProxyResult> {
  const response: APIGatewayProxyResult = {
    statusCode: 200,
    headers: { ...pageHeaders, 'content-type': contentType },
    body,
  };
  return async () => ({ ...response, headers: { ...response.headers } });
}

/** The setup page (web/) and its script and style sheet, served from strings built into the function. */
export function pageRoutes(): ApiRoute[] {
  return [
    { method: 'GET', path: '/setup', handler: asset('text/html; charset=utf-8', setupHtml) },
    { method: 'GET', path: '/assets/setup.js', handler: asset('text/javascript; charset=utf-8', setupJs) },
    { method: 'GET', path: '/assets/setup.css', handler: asset('text/css; charset=utf-8', setupCss) },
  ];
}
