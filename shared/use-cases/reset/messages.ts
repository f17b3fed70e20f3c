import type { OutboundEmail } from '../../ports/email-sender.js';
import { escapeHtml } from '../../email/html.js';

/** Wording settings of the worker's messages (the same PRODUCT_NAME and SUPPORT_CONTACT as enrollment). */
export interface ResetWording {
  productName: string;
  supportContact: string;
}

export type AccountJobKind = 'reset' | 'unlock';

/**
 * The SMS that carries a new password. It is built right before it is handed to the SMS sender and never kept: the
 * password exists in this text and in the caller's local variable only.
 */
export function newPasswordSms(
  wording: ResetWording,
  password: string,
  forceChange: boolean,
  waitAdvised = false,
): string {
  const base = `${wording.productName}: your new Windows password is ${password}`;
  const notes = [
    // Some DC had not received it when the SMS went: a sign-in there would still be checked against the old password.
    waitAdvised ? 'wait a minute before signing in, it is still reaching your company’s servers' : undefined,
    forceChange ? 'you will be asked to change it when you sign in' : undefined,
  ].filter((note) => note !== undefined);
  // No full stop right after the password: it would be typed as part of it.
  return notes.length > 0 ? `${base} — ${notes.join('; ')}.` : base;
}

export function refusedSms(wording: ResetWording, kind: AccountJobKind): string {
  const what = kind === 'reset' ? 'reset your password' : 'unlock your account';
  return `${wording.productName}: we could not ${what}. Contact ${wording.supportContact}.`;
}

export function directoryUnreachableSms(wording: ResetWording, kind: AccountJobKind): string {
  const what = kind === 'reset' ? 'your password was not changed' : 'your account was not unlocked';
  return `${wording.productName}: we could not reach your company directory; ${what}. Try again later.`;
}

export function notLockedSms(wording: ResetWording): string {
  return `${wording.productName}: your account is not locked.`;
}

export function unlockedSms(wording: ResetWording): string {
  return `${wording.productName}: your Windows account is unlocked.`;
}

interface Recipient {
  mail: string;
  displayName: string;
}

/** Where the request came from, as the notice names it. */
function channelWords(channel: 'sms' | 'app' | 'help-desk'): string {
  // Verified by a code to the phone or an approval in the app: the notice says what both mean.
  if (channel === 'help-desk')
    return 'by your help desk, after they checked it was you (a code sent to your phone or an approval in the Blink app)';
  return channel === 'sms' ? 'by text message from your registered mobile number' : `from the app on your linked phone`;
}

/**
 * A message of a job a help-desk technician asked for: says so first, so that a user who never called knows at once.
 * The rest (the password, the unlock) reads as in self-service.
 */
export function helpDeskSms(wording: ResetWording, text: string): string {
  const rest = text.startsWith(`${wording.productName}: `) ? text.slice(wording.productName.length + 2) : text;
  return `${wording.productName}: your help desk acted on your account at your request. ${rest[0]?.toUpperCase() ?? ''}${rest.slice(1)} Not you? Contact ${wording.supportContact}.`;
}

/**
 * Email notice on another channel after a reset or unlock (security rule: every reset and unlock is notified). It
 * never holds the password, only what happened, when, through which channel, and whom to call if it was not the user.
 */
export function accountChangedEmail(
  wording: ResetWording,
  to: Recipient,
  change: { kind: AccountJobKind; channel: 'sms' | 'app' | 'help-desk'; at: Date },
): OutboundEmail {
  const { productName, supportContact } = wording;
  const when = `${change.at.toISOString().slice(0, 10)} at ${change.at.toISOString().slice(11, 16)} UTC`;
  const subject =
    change.kind === 'reset'
      ? `${productName}: your Windows password was reset`
      : `${productName}: your Windows account was unlocked`;
  const happened =
    change.kind === 'reset'
      ? `Your Windows password was reset with ${productName} on ${when}, as requested ${channelWords(change.channel)}. The new password was sent only there.`
      : `Your Windows account was unlocked with ${productName} on ${when}, as requested ${channelWords(change.channel)}.`;
  const paragraphs = [
    `Hello ${to.displayName},`,
    happened,
    `If this was not you, contact ${supportContact} right away.`,
  ];
  return {
    to: to.mail,
    subject,
    text: paragraphs.join('\n\n') + '\n',
    html: `<!doctype html><html><body>${paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`).join('')}</body></html>`,
  };
}

/**
 * Email when AD took a new password but the SMS carrying it could not be sent, because the number opted out (a STOP
 * that arrived between the write and the SMS). The password is gone (never stored): the user needs to know that their
 * old one no longer works and how to get a new one. Never holds the password.
 */
export function passwordNotTextedEmail(wording: ResetWording, to: Recipient, at: Date): OutboundEmail {
  const { productName, supportContact } = wording;
  const when = `${at.toISOString().slice(0, 10)} at ${at.toISOString().slice(11, 16)} UTC`;
  const paragraphs = [
    `Hello ${to.displayName},`,
    `Your Windows password was reset with ${productName} on ${when}, as requested by text message from your registered mobile number, but the new password could not be texted to you: your number has opted out of text messages from ${productName} (a STOP reply). Your old password no longer works, and the new one was not kept anywhere.`,
    `To get a new password, text START to the ${productName} number, then text RESET, or contact ${supportContact}.`,
    `If this was not you, contact ${supportContact} right away.`,
  ];
  return {
    to: to.mail,
    subject: `${productName}: your Windows password was reset but could not be texted to you`,
    text: paragraphs.join('\n\n') + '\n',
    html: `<!doctype html><html><body>${paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`).join('')}</body></html>`,
  };
}
