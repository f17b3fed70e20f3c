import type { OutboundEmail } from '../../ports/email-sender.js';
import type { PushText } from '../../ports/push-sender.js';
import { escapeHtml } from '../../email/html.js';
import type { WebPushNotification } from '../../ports/web-push-sender.js';
import { timeZoneShortName } from '../lockout/index.js';

/**
 * The wording of password-expiry reminders. The expiry is shown in the configured zone with its short name ("Tue 15
 * Dec 09:00 CET"), as lockout alerts show times. How to change it: Ctrl-Alt-Del on a company PC, or (for users who
 * reset by SMS) text RESET to the number for a new one. Nothing secret, no link: a reminder must not look like phishing.
 */
export interface ExpiryWording {
  productName: string;
  supportContact: string;
  timeZone: string;
}

/** How the user can get a new password from Blink, when they cannot change it on a PC. */
export type ResetRoute = { sms: string } | { app: true } | undefined;

/** "Tue 15 Dec 09:00 CET". */
export function expiryShortTime(expiresAt: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(expiresAt);
  const part = (type: string) => parts.find((candidate) => candidate.type === type)?.value ?? '';
  return `${part('weekday')} ${part('day')} ${part('month')} ${part('hour')}:${part('minute')} ${timeZoneShortName(expiresAt, timeZone)}`;
}

/** "Tuesday 15 December 2026 at 09:00 CET". */
export function expiryLongTime(expiresAt: Date, timeZone: string): string {
  const date = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }).format(expiresAt);
  const time = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(expiresAt);
  return `${date.replace(',', '')} at ${time} ${timeZoneShortName(expiresAt, timeZone)}`;
}

const inDays = (days: number) => (days === 1 ? 'within a day' : `in ${days} days`);

/** One SMS segment (160 GSM-7 characters) with the default product name and a +1 number. */
export function expiryReminderSms(wording: ExpiryWording, expiresAt: Date, resetNumber: string): string {
  return `${wording.productName}: your Windows password expires ${expiryShortTime(expiresAt, wording.timeZone)}. Change it: Ctrl-Alt-Del > Change a password, or text RESET to ${resetNumber} for a new one.`;
}

export function expiryReminderPush(wording: ExpiryWording, expiresAt: Date, days: number): PushText {
  return {
    title: `${wording.productName}: password expires ${inDays(days)}`,
    body: `Your Windows password expires ${expiryShortTime(expiresAt, wording.timeZone)}. Change it with Ctrl-Alt-Del > Change a password, or get a new one in ${wording.productName}.`,
  };
}

/** The Web Push to the installed app: the push's words; tapping opens the app (Reset is there). */
export function expiryReminderWebPush(wording: ExpiryWording, expiresAt: Date, days: number): WebPushNotification {
  return {
    ...expiryReminderPush(wording, expiresAt, days),
    data: { kind: 'password-expiry', url: '/app/' },
    actions: [],
  };
}

export function expiryReminderEmail(
  wording: ExpiryWording,
  to: { mail: string; displayName: string },
  expiry: { expiresAt: Date; days: number; route: ResetRoute },
): OutboundEmail {
  const { productName, supportContact, timeZone } = wording;
  const when = expiryLongTime(expiry.expiresAt, timeZone);
  const paragraphs = [
    `Hello ${to.displayName},`,
    `Your Windows password expires ${inDays(expiry.days)}, on ${when}. After that you will be asked for a new one when you sign in.`,
    'To change it now: on a company PC, press Ctrl-Alt-Del and choose "Change a password", then type your current password and a new one.',
    ...(expiry.route && 'sms' in expiry.route
      ? [
          `If you have forgotten your password, text RESET to ${expiry.route.sms} from your registered mobile phone for a new one.`,
        ]
      : expiry.route
        ? [`If you have forgotten your password, get a new one in the ${productName} app.`]
        : []),
    `This is an automatic reminder from ${productName}; nobody will ever ask you for your password. Questions: ${supportContact}.`,
  ];
  return {
    to: to.mail,
    subject: `${productName}: your Windows password expires ${inDays(expiry.days)}`,
    text: paragraphs.join('\n\n') + '\n',
    html: `<!doctype html><html><body>${paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`).join('')}</body></html>`,
  };
}
