import type { OutboundEmail } from '../ports/email-sender.js';
import { escapeHtml } from './html.js';

export interface ActivationEmailContent {
  to: string;
  displayName: string;
  /** The setup link, exactly as issued (PUBLIC_BASE_URL + fragment); never built from a request. */
  link: string;
  expiresAt: Date;
  /** ACTIVATION_TTL_HOURS, said in words next to the expiry. */
  validForHours?: number;
  productName: string;
  supportContact: string;
  /**
   * This email replaces an earlier one: a link not used yet (which stops working now), or a completed setup (which keeps
   * working until the new one is done). The email says so, so the user knows which link to use.
   */
  replacesEarlier?: 'pending-link' | 'completed-setup';
}

/**
 * The activation email (step 1 of the user guide): the link, how long it works, and who to ask. Text and HTML carry
 * the same content; every value in the HTML is escaped, including the link.
 */
export function renderActivationEmail(content: ActivationEmailContent): OutboundEmail {
  const { productName, supportContact, displayName, link } = content;
  const expires = formatExpiry(content.expiresAt);
  // What is true of the link: it resumes setup until setup completes (or it expires, or a newer email replaces it).
  const lifetime =
    content.validForHours !== undefined
      ? `The link works until you finish setup, for up to ${content.validForHours} ${content.validForHours === 1 ? 'hour' : 'hours'}: it expires ${expires}.`
      : `The link works until you finish setup, and expires ${expires}.`;
  const replaced = 'If you get a newer activation email, use the link in that one.';
  const subject = `Activate ${productName} password reset${content.replacesEarlier ? ' (new link)' : ''}`;
  const replacement =
    content.replacesEarlier === 'pending-link'
      ? 'This email replaces the earlier one: the link in that email no longer works. Use this one.'
      : content.replacesEarlier === 'completed-setup'
        ? `This email replaces the earlier one. ${productName} keeps working as set up now until you finish with this new link (to change your phone or add the app).`
        : undefined;
  const text = [
    `Hello ${displayName},`,
    '',
    `Your IT team has activated ${productName} for your Windows account. With ${productName} you can reset your password or unlock your account from your phone, without calling the help desk.`,
    '',
    ...(replacement ? [replacement, ''] : []),
    'Open this link to set it up (it takes two minutes):',
    link,
    '',
    lifetime,
    replaced,
    `If you did not expect this email, do not open the link and contact ${supportContact}.`,
  ].join('\n');
  const e = escapeHtml;
  const html = [
    '<!doctype html>',
    `<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${e(subject)}</title></head>`,
    '<body style="font-family: sans-serif; line-height: 1.5; color: #1a202c;">',
    `<p>Hello ${e(displayName)},</p>`,
    `<p>Your IT team has activated ${e(productName)} for your Windows account. With ${e(productName)} you can reset your password or unlock your account from your phone, without calling the help desk.</p>`,
    ...(replacement ? [`<p><strong>${e(replacement)}</strong></p>`] : []),
    `<p><a href="${e(link)}" style="display: inline-block; padding: 10px 18px; background: #2b6cb0; color: #ffffff; text-decoration: none; border-radius: 4px;">Set up ${e(productName)}</a></p>`,
    // A setup link is one long word: let it break anywhere, or it widens the email past a phone's screen.
    `<p>If the button does not work, copy this address into your browser:<br><span style="word-break: break-all; overflow-wrap: anywhere;">${e(link)}</span></p>`,
    `<p>${e(lifetime)} ${e(replaced)}</p>`,
    `<p>If you did not expect this email, do not open the link and contact ${e(supportContact)}.</p>`,
    '</body></html>',
  ].join('\n');
  return { to: content.to, subject, text, html };
}

/** "on 2026-11-29 at 23:00 UTC": unambiguous for every reader, whatever their locale. */
function formatExpiry(at: Date): string {
  const iso = at.toISOString();
  return `on ${iso.slice(0, 10)} at ${iso.slice(11, 16)} UTC`;
}
