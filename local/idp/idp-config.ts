import { createHash } from 'node:crypto';
import * as z from 'zod';
import { escapeHtml } from '../../shared/email/html.js';

/** What the runtime hands the local identity provider's process on its stdin. */
export const idpConfigSchema = z.object({
  port: z.number().int().min(0).max(65535),
  directory: z.object({
    urls: z.string().min(1),
    baseDn: z.string().min(1),
    bindDn: z.string().min(1),
    bindPassword: z.string().min(1),
    caFile: z.string(),
    caPem: z.string().min(1),
    startTls: z.boolean(),
  }),
  client: z.object({
    clientId: z.string().min(1),
    clientSecret: z.string().min(32),
    redirectUris: z.array(z.url()).min(1),
    postLogoutRedirectUris: z.array(z.url()),
  }),
});
export type IdpConfig = z.input<typeof idpConfigSchema>;

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1a202c; }
  main { max-width: 22rem; margin: 10vh auto; background: #fff; padding: 1.5rem; border-radius: 8px; box-shadow: 0 1px 4px #0002; }
  h1 { font-size: 1.25rem; margin: 0 0 .25rem; }
  p.note { color: #4a5568; margin: 0 0 1rem; font-size: .9rem; }
  label { display: block; margin: .75rem 0 .25rem; font-weight: 600; }
  input { width: 100%; box-sizing: border-box; padding: .6rem; font: inherit; border: 1px solid #a0aec0; border-radius: 4px; }
  button { margin-top: 1.25rem; width: 100%; padding: .7rem; font: inherit; font-weight: 600; color: #fff; background: #2b6cb0; border: 0; border-radius: 4px; }
  p.error { color: #9b2c2c; background: #fff5f5; padding: .5rem; border-radius: 4px; }
`;

/**
 * The login page allows no script at all, and only its own style block (by hash). Its form posts to the provider,
 * which redirects to the client's callback: Chromium checks form-action on those redirects too.
 */
export function loginPageHeaders(clientOrigins: string[]): Record<string, string> {
  const style = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;
  const formTargets = ["'self'", ...clientOrigins].join(' ');
  return {
    'content-security-policy': `default-src 'none'; style-src ${style}; form-action ${formTargets}; frame-ancestors 'none'; base-uri 'none'`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}

/** The identity provider's sign-in form: the directory account's user name and password. */
export function renderLoginPage(options: { uid: string; username?: string; error?: string }): string {
  const action = `/interaction/${encodeURIComponent(options.uid)}/login`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in: local identity provider</title><style>${STYLE}</style></head>
<body><main>
<h1>Sign in</h1>
<p class="note">Local identity provider: your directory account.</p>
${options.error ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>` : ''}
<form method="post" action="${escapeHtml(action)}">
<label for="username">User name</label>
<input id="username" name="username" autocomplete="username" required value="${escapeHtml(options.username ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
</main></body></html>`;
}
