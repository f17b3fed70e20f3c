import type { LocalBlink } from '../../local/runtime.js';
import { CookieJar } from './cookie-jar.js';
import { signInAtLocalIdp } from './local-idp.js';

/**
 * The admin portal as a browser without script sees it: a cookie jar for the runtime's origin, sign-in through the
 * local identity provider, and JSON calls with the portal's Origin and CSRF header.
 */
export class PortalClient {
  private readonly jar = new CookieJar();
  readonly cookies = this.jar.cookies;
  /** Set-Cookie lines of the last answer, as sent. */
  lastSetCookies: string[] = [];

  constructor(private readonly blink: LocalBlink) {}

  async request(path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
    const cookie = this.jar.header();
    const response = await fetch(path.startsWith('http') ? path : `${this.blink.url}${path}`, {
      ...init,
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...init.headers },
    });
    this.lastSetCookies = this.jar.take(response);
    return response;
  }

  /** Starts at /admin/portal/sign-in, signs in at the identity provider, and answers the callback's response. */
  async signIn(username: string, password: string): Promise<Response> {
    const start = await this.request('/admin/portal/sign-in');
    const result = await signInAtLocalIdp(start.headers.get('location') ?? '', username, password);
    if (!('callbackUrl' in result))
      throw new Error(`the identity provider refused ${username} (${result.refusedStatus})`);
    return this.request(result.callbackUrl);
  }

  /** The session as the page reads it (its CSRF token included); throws unless signed in. */
  async session(): Promise<{ name: string; subject: string; roles: string[]; csrfToken: string; endsAt: string }> {
    const response = await this.request('/admin/portal/api/session');
    if (response.status !== 200) throw new Error(`no session (${response.status})`);
    return (await response.json()) as {
      name: string;
      subject: string;
      roles: string[];
      csrfToken: string;
      endsAt: string;
    };
  }

  /** A change as the portal page sends it: JSON, its Origin, same-origin fetch metadata and the CSRF token. */
  async change(path: string, body: unknown, overrides: Record<string, string> = {}): Promise<Response> {
    const { csrfToken } = await this.session();
    return this.request(path, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: this.blink.url,
        'sec-fetch-site': 'same-origin',
        'x-csrf-token': csrfToken,
        ...overrides,
      },
      body: JSON.stringify(body),
    });
  }
}
