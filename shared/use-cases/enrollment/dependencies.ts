import type { CountryCode } from '../../domain/phone-number.js';
import type { AuditLog } from '../../ports/audit-log.js';
import type { Clock } from '../../ports/clock.js';
import type { DeviceStore } from '../../ports/device-store.js';
import type { EmailSender } from '../../ports/email-sender.js';
import type { EnrollmentStore } from '../../ports/enrollment-store.js';
import type { Logger } from '../../ports/logger.js';
import type { OptOutList } from '../../ports/opt-out-list.js';
import type { PushEndpoints } from '../../ports/push-endpoints.js';
import type { QrCodeRenderer } from '../../ports/qr-code.js';
import type { RateLimiter } from '../../ports/rate-limiter.js';
import type { Secrets } from '../../ports/secrets.js';
import type { SmsSender } from '../../ports/sms-sender.js';
import type { NoticeSettings } from './notices.js';

export interface EnrollmentSettings extends NoticeSettings {
  publicBaseUrl: string;
  activationTtlHours: number;
  defaultCountry: CountryCode;
  /** Countries verification codes may be texted to (smsCountriesFrom). */
  smsCountries: CountryCode[];
  /** The published number users text (START to opt back in, RESET later). */
  publishedNumber: string;
  /** Origination identity of the confirmation SMS (the first published number); the sender's default when absent. */
  confirmationFrom?: string;
}

export interface EnrollmentDependencies {
  enrollmentStore: EnrollmentStore;
  deviceStore: DeviceStore;
  secrets: Secrets;
  clock: Clock;
  rateLimiter: RateLimiter;
  optOutList: OptOutList;
  smsSender: SmsSender;
  emailSender: EmailSender;
  auditLog: AuditLog;
  logger: Logger;
  settings: EnrollmentSettings;
  /** Draws the app's binding URI as a QR code on the setup page. */
  qrCode: QrCodeRenderer;
  /** Makes a registering device's push endpoint from its token; without it, devices are registered without push. */
  pushEndpoints?: PushEndpoints;
}

/** Facts about the HTTP request the use cases need: the client IP from API Gateway's request context only. */
export interface RequestFacts {
  clientIp: string;
  requestId?: string;
}

/** Limits of the setup and device flows (design: docs/design/enrollment.md). */
export const enrollmentLimits = {
  smsCodeTtlSeconds: 600,
  bindingTtlSeconds: 600,
  resendCooldownSeconds: 60,
  codesPerEnrollmentPerDay: 5,
  codesPerPhonePerDay: 10,
  phoneRequestsPerIpPerHour: 30,
  qrPerEnrollmentPerHour: 20,
  registrationsPerIpPerHour: 30,
  /**
   * Verification texts for the whole deployment per hour: a ceiling on SMS spend should activation links leak in bulk
   * or a bug loop. Far above a normal roll-out (a few hundred users set up per hour).
   */
  verificationSmsPerHourGlobal: 1000,
} as const;
