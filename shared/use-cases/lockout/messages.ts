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

/**
 * The SMS during a mass-lockout event: IT has been told, and no invitation to reply UNLOCK (a spray's lockouts are
 * best undone by IT once the source is blocked, not by hundreds of unlocks that the spray locks again).
 */
export function massLockoutAlertSms(productName: string, lockedAt: Date, timeZone: string): string {
  return `${productName}: your Windows account was locked at ${lockoutTimeWithZone(lockedAt, timeZone)}. Many accounts were locked at once and IT has been told. No need to reply.`;
}

/** The push during a mass-lockout event (mobile and Web Push: no Unlock action). */
export function massLockoutAlertPush(
  productName: string,
  lockedAt: Date,
  timeZone: string,
): { title: string; body: string } {
  return {
    title: `${productName}: account locked`,
    body: `Your Windows account was locked at ${lockoutTimeWithZone(lockedAt, timeZone)}. Many accounts were locked at once and IT has been told.`,
  };
}

/** The admins' alert when a scan finds a mass lockout (the alarm topic). */
export function massLockoutAdminAlert(
  productName: string,
  event: { newLockouts: number; at: Date; timeZone: string; endsAt: Date; smsPerSecond: number },
): { subject: string; message: string } {
  const minutes = Math.ceil(event.newLockouts / event.smsPerSecond / 60);
  return {
    subject: `${productName}: mass lockout, ${event.newLockouts} accounts locked`,
    message: [
      `${productName}'s lockout scan at ${lockoutTimeWithZone(event.at, event.timeZone)} found ${event.newLockouts} newly locked enrolled accounts: possibly a password spray.`,
      `Users are told at ${event.smsPerSecond} SMS a second (about ${minutes} minute(s)) that IT has been told; until ${lockoutTimeWithZone(event.endsAt, event.timeZone)} UNLOCK and RESET by SMS need a confirmation code.`,
      'Find the source of the bad passwords (npm run admin -- locked shows which DC saw them) before unlocking accounts.',
    ].join('\n'),
  };
}
