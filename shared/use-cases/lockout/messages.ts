import type { PushText } from '../../ports/push-sender.js';
import type { WebPushNotification } from '../../ports/web-push-sender.js';

/**
 * The wording of lockout alerts. Times are shown as HH:MM (24 h) in the configured time zone, followed by that zone's
 * short name ("10:42 UTC", "11:42 CET", "05:42 EST"): a bare "10:42" is read in the phone's own zone, which may not be
 * the configured one.
 */

export function lockoutClockTime(lockedAt: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
    lockedAt,
  );
}

/**
 * The zone's short name at that instant (daylight saving included). British English names European zones (CET, BST),
 * American English North American ones (EST, PDT); a zone neither names gets its offset ("GMT+5:30").
 */
export function timeZoneShortName(at: Date, timeZone: string): string {
  const names = ['en-GB', 'en-US'].map(
    (locale) =>
      new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' })
        .formatToParts(at)
        .find((part) => part.type === 'timeZoneName')?.value ?? '',
  );
  return names.find((name) => name !== '' && !/^GMT[+-]/.test(name)) ?? names.find((name) => name !== '') ?? timeZone;
}

/** "10:42 UTC": the clock time and the zone it is in. */
export function lockoutTimeWithZone(lockedAt: Date, timeZone: string): string {
  return `${lockoutClockTime(lockedAt, timeZone)} ${timeZoneShortName(lockedAt, timeZone)}`;
}

/** The SMS to the verified phone: the reply words are the inbound-SMS commands (docs/design/reset.md). */
export function lockoutAlertSms(
  productName: string,
  lockedAt: Date,
  timeZone: string,
  triedOn?: BadPasswordsSeen,
): string {
  const where = triedOn
    ? ` The wrong passwords were tried on ${triedOn.dc} at ${lockoutTimeWithZone(triedOn.at, timeZone)}.`
    : '';
  return `${productName}: your Windows account was locked at ${lockoutTimeWithZone(lockedAt, timeZone)}.${where} Reply UNLOCK to unlock it or RESET for a new password.`;
}

/** The DC that saw the latest wrong password, and when (LOCKOUT_ALERT_SHOW_DC). */
export interface BadPasswordsSeen {
  dc: string;
  at: Date;
}

/** The push to each bound device: the app offers Unlock and Reset itself. */
export function lockoutAlertPush(productName: string, lockedAt: Date, timeZone: string): PushText {
  return {
    title: `${productName}: account locked`,
    body: `Your Windows account was locked at ${lockoutTimeWithZone(lockedAt, timeZone)}. Open ${productName} to unlock it or get a new password.`,
  };
}

/**
 * The Web Push to the installed app: the same words as the mobile push, and the two actions the app's service worker
 * offers. Tapping the notification opens the app on Unlock; the Reset action opens it on Reset. Nothing secret in it.
 */
export function lockoutAlertWebPush(productName: string, lockedAt: Date, timeZone: string): WebPushNotification {
  return {
    ...lockoutAlertPush(productName, lockedAt, timeZone),
    data: { kind: 'lockout', url: '/app/?action=unlock' },
    actions: [
      { action: 'unlock', title: 'Unlock' },
      { action: 'reset', title: 'Reset password' },
    ],
  };
}
