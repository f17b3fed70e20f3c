import type { DevicePlatform } from '../../domain/device.js';
import type { OutboundEmail } from '../../ports/email-sender.js';
import { noticeEmail } from '../../email/notice-email.js';
import { appLink } from '../../domain/app-link.js';

/** Wording settings shared by every message of the enrollment flow. */
export interface NoticeSettings {
  productName: string;
  supportContact: string;
}

/** One SMS segment (160 GSM-7 characters) with the default product name and a PUBLIC_BASE_URL of up to 69 characters. */
export function verificationCodeSms(settings: NoticeSettings & { publicBaseUrl: string }, code: string): string {
  return (
    `${settings.productName}: your verification code is ${code}. It expires in 10 minutes. ` +
    `Get the ${settings.productName} app: ${appLink(settings.publicBaseUrl)}`
  );
}

export function setupCompleteSms(settings: NoticeSettings): string {
  return `${settings.productName}: setup is complete. Save this number; to reset your Windows password, text RESET to it.`;
}

interface Recipient {
  mail: string;
  displayName: string;
}

/** Email notice after the phone was verified (a new or changed number); it never holds a code or a password. */
export function phoneVerifiedEmail(
  settings: NoticeSettings,
  to: Recipient,
  maskedPhone: string,
  at: Date,
): OutboundEmail {
  const lines = [
    `Hello ${to.displayName},`,
    `The mobile number ${maskedPhone} was verified for ${settings.productName} on ${at.toUTCString()}. You can now reset your Windows password by texting RESET to the ${settings.productName} number that sent you the confirmation.`,
    `If this was not you, contact ${settings.supportContact} right away.`,
  ];
  return noticeEmail(to.mail, `${settings.productName}: your mobile number was verified`, lines);
}

/** SMS to the number that was replaced: the new one is masked, and the user is told what to do if it was not them. */
export function phoneChangedSms(settings: NoticeSettings, maskedNewPhone: string): string {
  return `${settings.productName}: the mobile number for your Windows password resets was changed to ${maskedNewPhone}. If this was not you, contact ${settings.supportContact}.`;
}

/** Email notice after the verified number was replaced by another one. */
export function phoneChangedEmail(
  settings: NoticeSettings,
  to: Recipient,
  phones: { from: string; to: string },
  at: Date,
): OutboundEmail {
  const lines = [
    `Hello ${to.displayName},`,
    `The mobile number for ${settings.productName} was changed from ${phones.from} to ${phones.to} on ${at.toUTCString()}. Password resets by SMS now work only from the new number.`,
    `If this was not you, contact ${settings.supportContact} right away.`,
  ];
  return noticeEmail(to.mail, `${settings.productName}: your mobile number was changed`, lines);
}

/** Email notice after an app was bound to the account. */
export function deviceBoundEmail(
  settings: NoticeSettings,
  to: Recipient,
  platform: DevicePlatform,
  at: Date,
): OutboundEmail {
  const phoneName = platform === 'ios' ? 'an iPhone' : platform === 'android' ? 'an Android phone' : 'a device';
  const lines = [
    `Hello ${to.displayName},`,
    `The ${settings.productName} app on ${phoneName} was linked to your account on ${at.toUTCString()}. You can now reset your Windows password from the app.`,
    `If this was not you, contact ${settings.supportContact} right away.`,
  ];
  return noticeEmail(to.mail, `${settings.productName}: a phone app was linked to your account`, lines);
}
