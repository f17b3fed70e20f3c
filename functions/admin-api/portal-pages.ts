import { escapeHtml } from '../../shared/email/html.js';

/**
 * The portal's server-rendered message pages (sign-in outcomes): no script; `continueTo` moves on by a meta refresh,
 * a navigation this site starts itself (so its Strict session cookie goes along).
 */
export function portalMessagePage(title: string, message: string, offerSignIn = true, continueTo?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
${continueTo ? `<meta http-equiv="refresh" content="0;url=${escapeHtml(continueTo)}">` : ''}
<title>${escapeHtml(title)} · Blink portal</title><link rel="stylesheet" href="/admin/portal/portal.css"></head>
<body><main class="message">
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(message)}</p>
${continueTo ? `<p><a href="${escapeHtml(continueTo)}">Continue</a></p>` : ''}
${offerSignIn ? '<p><a class="button" href="/admin/portal/sign-in">Sign in again</a></p>' : ''}
</main></body></html>`;
}
