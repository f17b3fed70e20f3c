import { CookieJar } from './cookie-jar.js';

/**
 * Signs in at the local identity provider with plain HTTP requests, as a browser would: follows the authorization
 * request to the login page, posts the user name and password, and follows the redirects (with the provider's
 * cookies) until one leaves the provider. Returns that redirect (the client's callback with code and state), or the
 * login page's status when the provider refused the sign-in.
 */
export async function signInAtLocalIdp(
  authorizationUrl: string,
  username: string,
  password: string,
): Promise<{ callbackUrl: string } | { refusedStatus: number; page: string }> {
  const issuerOrigin = new URL(authorizationUrl).origin;
  const jar = new CookieJar();
  const request = async (url: string, init: RequestInit = {}) => {
    const cookie = jar.header();
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
    });
    jar.take(response);
    return response;
  };
  const follow = async (start: Response): Promise<Response | { leftTo: string }> => {
    let response = start;
    for (let hops = 0; hops < 10 && response.status >= 300 && response.status < 400; hops++) {
      const next = new URL(response.headers.get('location') ?? '', response.url || issuerOrigin);
      if (next.origin !== issuerOrigin) return { leftTo: next.toString() };
      response = await request(next.toString());
    }
    return response;
  };

  const loginPage = await follow(await request(authorizationUrl));
  if ('leftTo' in loginPage) return { callbackUrl: loginPage.leftTo };
  const html = await loginPage.text();
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  if (!action)
    throw new Error(`no login form at the identity provider (status ${loginPage.status}): ${html.slice(0, 300)}`);
  const posted = await request(new URL(action.replace(/&amp;/g, '&'), issuerOrigin).toString(), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }).toString(),
  });
  const end = await follow(posted);
  if ('leftTo' in end) return { callbackUrl: end.leftTo };
  return { refusedStatus: end.status, page: await end.text() };
}
