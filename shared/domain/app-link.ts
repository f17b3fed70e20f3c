/**
 * The link the setup page's QR code and its "Open the Blink app" button carry: `<PUBLIC_BASE_URL>/app/enroll#<code>`.
 * An https link opens the installed app (or the browser) on every phone; the binding code sits in the fragment, which
 * browsers never send to a server, so it never reaches an access log. Pure (no imports): the app bundles it too.
 */
export const APP_PATH = '/app/';
const ENROLL_PATH = '/app/enroll';

/** Where people get the app (the installable web app): `<PUBLIC_BASE_URL>/app/`, linked from the verification SMS. */
export function appLink(publicBaseUrl: string): string {
  return `${publicBaseUrl}${APP_PATH}`;
}
const BINDING_CODE = /^[A-Za-z0-9_-]{22,128}$/;

export function appEnrollLink(publicBaseUrl: string, bindingCode: string): string {
  return `${publicBaseUrl}${ENROLL_PATH}#${bindingCode}`;
}

/**
 * The API base URL and binding code of an app enrollment link, or undefined when `link` is not one (wrong path, no
 * or malformed code, not http(s)). The base is the link's origin plus whatever path precedes /app/enroll (a stage).
 */
export function parseAppEnrollLink(link: string): { api: string; bindingCode: string } | undefined {
  let url: URL;
  try {
    url = new URL(link.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.search || url.username || url.password || !url.pathname.endsWith(ENROLL_PATH)) return undefined;
  const bindingCode = url.hash.slice(1);
  if (!BINDING_CODE.test(bindingCode)) return undefined;
  return { api: `${url.origin}${url.pathname.slice(0, -ENROLL_PATH.length)}`, bindingCode };
}
