import { appEnrollLink } from '../../domain/app-link.js';
import {
  MAX_VERIFICATION_FAILURES,
  VERIFICATION_LOCK_SECONDS,
  issuedUnderCurrentActivation,
  maskPhoneNumber,
  type Enrollment,
  type EnrollmentMethods,
} from '../../domain/enrollment.js';
import { OptedOutError, RateLimitedError, ValidationError } from '../../domain/errors.js';
import type { IssuedSecret } from '../../domain/issued-secret.js';
import { digestsEqual, generateSmsCode, generateToken, hashSecret } from '../../domain/one-time-secrets.js';
import {
  countryCallingCodeOf,
  countryNames,
  countryOfNumber,
  formatNumber,
  normaliseMobileNumber,
} from '../../domain/phone-number.js';
import { enrollmentLimits, type EnrollmentDependencies, type RequestFacts } from './dependencies.js';
import {
  phoneChangedEmail,
  phoneChangedSms,
  phoneVerifiedEmail,
  setupCompleteSms,
  verificationCodeSms,
} from './notices.js';
import { retryOnConcurrentUpdate } from './save-with-retry.js';
import type { AuditEvent } from '../../ports/audit-log.js';
import { notifyOrLog } from '../messaging/index.js';

export type SetupState = 'needs-phone' | 'choose-method' | 'complete';

/** The one answer for every unusable link: unknown, used, superseded, expired or revoked look the same. */
export interface LinkInvalid {
  ok: false;
  reason: 'link-invalid';
}
const linkInvalid: LinkInvalid = { ok: false, reason: 'link-invalid' };

/**
 * An open link is in progress (`needs-phone`, `choose-method` with the masked number), or it is the link that completed
 * setup (`complete`, with what the user can now reset with): only the holder of that exact, unexpired link learns it.
 */
export type OpenResult =
  | { ok: true; displayName: string; state: Exclude<SetupState, 'complete'>; phone?: string }
  | { ok: true; displayName: string; state: 'complete'; methods: EnrollmentMethods }
  | LinkInvalid;
export type PhoneResult = { ok: true; state: 'choose-method'; phone: string } | LinkInvalid;
/** A wrong code says how many attempts are left before verification locks (`MAX_VERIFICATION_FAILURES`, across codes). */
export type VerifyResult =
  | { ok: true; state: 'complete'; method: 'sms' }
  | { ok: false; reason: 'code-invalid'; attemptsLeft: number }
  | LinkInvalid;
export type QrResult = { ok: true; uri: string; qrSvg: string; expiresAt: Date } | LinkInvalid;
export type StatusResult = { ok: true; state: SetupState; method?: 'sms' | 'app' } | LinkInvalid;

/** Said once: the page adds the wait from Retry-After ("You can try again in 1 hour."). */
const LOCKED_MESSAGE = 'Too many wrong codes, so verification is locked.';

interface ResolvedActivation {
  enrollment: Enrollment;
  secret: IssuedSecret;
}

/** The setup page's calls. Each takes the activation token from the request body (never from a URL). */
export function createSetupUseCases(deps: EnrollmentDependencies) {
  const { enrollmentStore, rateLimiter, clock, settings, logger } = deps;
  const hmacKey = () => deps.secrets.get('token-hmac-key');

  /** The enrollment an activation token belongs to, or undefined for any kind of unusable token. */
  async function resolve(token: string, options: { allowCompleted: boolean }): Promise<ResolvedActivation | undefined> {
    const hash = hashSecret(await hmacKey(), 'activation', token);
    const secret = await enrollmentStore.findSecret('activation', hash);
    if (!secret) return undefined;
    const enrollment = await enrollmentStore.get(secret.userGuid);
    if (!enrollment || enrollment.status === 'revoked') return undefined;
    // A newer activation supersedes this one even if the secret item was not marked yet.
    if (enrollment.activationHash !== undefined && !digestsEqual(enrollment.activationHash, hash)) return undefined;
    // Expiry is checked here, in code: TTL deletion is late (and never happens locally).
    if (secret.expiresAt.getTime() <= clock.now().getTime()) return undefined;
    if (secret.usedAt && !(options.allowCompleted && enrollment.status === 'active')) return undefined;
    return { enrollment, secret };
  }

  function optedOutMessage(): string {
    return `This number has opted out of text messages from ${settings.productName}. Text START to ${formatNumber(settings.publishedNumber)} to opt back in, or enter another number.`;
  }

  function masked(e164: string): string {
    return maskPhoneNumber(e164, countryCallingCodeOf(e164));
  }

  function inProgressState(enrollment: Enrollment): { state: Exclude<SetupState, 'complete'>; phone?: string } {
    return enrollment.pendingPhoneE164
      ? { state: 'choose-method', phone: masked(enrollment.pendingPhoneE164) }
      : { state: 'needs-phone' };
  }

  async function limit(key: string, max: number, windowSeconds: number, message: string): Promise<void> {
    const decision = await rateLimiter.hit(key, max, windowSeconds);
    if (!decision.allowed) throw new RateLimitedError(message, decision.retryAfterSeconds);
  }

  function assertNotLocked(enrollment: Enrollment, now: Date): void {
    const lockedUntil = enrollment.verificationLockedUntil?.getTime() ?? 0;
    if (lockedUntil > now.getTime()) {
      throw new RateLimitedError(LOCKED_MESSAGE, Math.max(1, Math.ceil((lockedUntil - now.getTime()) / 1000)));
    }
  }

  /** Applies `change` to the latest version of the enrollment, retrying when someone else saved in between. */
  function update(
    userGuid: string,
    change: (current: Enrollment) => Enrollment | undefined,
  ): Promise<Enrollment | undefined> {
    return retryOnConcurrentUpdate(async () => {
      const current = await enrollmentStore.get(userGuid);
      if (!current) return undefined;
      const next = change(current);
      if (!next) return current;
      await enrollmentStore.save({ ...next, updatedAt: clock.now() }, current.version);
      return { ...next, version: current.version + 1 };
    });
  }

  return {
    async open(token: string): Promise<OpenResult> {
      // The link that completed setup still opens (until it expires) to say so, instead of sending its holder to IT
      // for a new link that activation would refuse (already enrolled). Every other unusable link stays neutral.
      const resolved = await resolve(token, { allowCompleted: true });
      if (!resolved) return linkInvalid;
      const { enrollment, secret } = resolved;
      if (secret.usedAt)
        return { ok: true, displayName: enrollment.displayName, state: 'complete', methods: { ...enrollment.methods } };
      return { ok: true, displayName: enrollment.displayName, ...inProgressState(enrollment) };
    },

    async submitPhone(token: string, phone: string, request: RequestFacts): Promise<PhoneResult> {
      // Counted before the token is looked at, so the limit also caps guessing.
      await limit(
        `setup-ip:${request.clientIp}`,
        enrollmentLimits.phoneRequestsPerIpPerHour,
        3600,
        'Too many requests. Try again later.',
      );
      const resolved = await resolve(token, { allowCompleted: false });
      if (!resolved) return linkInvalid;
      const { enrollment, secret: activation } = resolved;
      const now = clock.now();
      assertNotLocked(enrollment, now);
      const number = normaliseMobileNumber(phone, settings.defaultCountry);
      if (!number.ok) throw new ValidationError(number.message);
      const country = countryOfNumber(number.e164);
      if (country === undefined || !settings.smsCountries.includes(country)) {
        throw new ValidationError(
          `${settings.productName} can text only mobile numbers in ${countryNames(settings.smsCountries)}. Enter such a number, or contact ${settings.supportContact}.`,
        );
      }
      // Checked before any limit is counted or code issued: a number that texted STOP gets nothing until it texts START.
      if (await deps.optOutList.isOptedOut(number.e164)) throw new ValidationError(optedOutMessage());
      const userGuid = enrollment.userGuid;
      await limit(
        `setup-resend:${userGuid}`,
        1,
        enrollmentLimits.resendCooldownSeconds,
        'Wait a minute before asking for another code.',
      );
      await limit(
        `setup-codes:${userGuid}`,
        enrollmentLimits.codesPerEnrollmentPerDay,
        86_400,
        'Too many codes today. Try again tomorrow.',
      );
      await limit(
        `setup-phone:${number.e164}`,
        enrollmentLimits.codesPerPhonePerDay,
        86_400,
        'Too many codes for this number today. Try again tomorrow.',
      );
      await limit(
        'setup-codes-global',
        enrollmentLimits.verificationSmsPerHourGlobal,
        3600,
        'Blink is sending too many codes right now. Try again later.',
      );

      // The new code supersedes the old one before the pending number changes, and is sent only after both.
      const code = generateSmsCode();
      await enrollmentStore.putSecret({
        purpose: 'sms-code',
        hash: hashSecret(await hmacKey(), 'sms-code', `${userGuid}:${code}`),
        userGuid,
        issuedAt: now,
        expiresAt: new Date(now.getTime() + enrollmentLimits.smsCodeTtlSeconds * 1000),
        activationHash: activation.hash,
        phoneE164: number.e164,
      });
      await update(userGuid, (current) => ({ ...current, pendingPhoneE164: number.e164 }));
      try {
        // From the number recorded on the enrollment at verification (senderNumber): the one the user saves.
        await deps.smsSender.send({
          to: number.e164,
          body: verificationCodeSms(settings, code),
          ...(settings.confirmationFrom ? { from: settings.confirmationFrom } : {}),
        });
      } catch (error) {
        if (error instanceof OptedOutError) throw new ValidationError(optedOutMessage());
        throw error;
      }
      await deps.auditLog.record(setupAudit(userGuid, request, now, { action: 'setup.code-sent', result: 'success' }));
      logger.info('verification code sent', { userGuid });
      return { ok: true, state: 'choose-method', phone: masked(number.e164) };
    },

    async verify(
      token: string,
      code: string,
      request: RequestFacts,
      choices: { expiryRemindersBySms?: boolean } = {},
    ): Promise<VerifyResult> {
      const resolved = await resolve(token, { allowCompleted: false });
      if (!resolved) return linkInvalid;
      const { enrollment, secret: activation } = resolved;
      const userGuid = enrollment.userGuid;
      const now = clock.now();
      // The attempt is counted before the code is checked, with a conditional save, so that parallel guesses cannot
      // slip past the limit. Counted per enrollment, across codes: a fresh code does not reset it.
      let lockedByThisAttempt = false;
      let attemptsLeft = 0;
      await update(userGuid, (current) => {
        assertNotLocked(current, now);
        const failures = current.verificationFailures + 1;
        lockedByThisAttempt = failures >= MAX_VERIFICATION_FAILURES;
        attemptsLeft = Math.max(0, MAX_VERIFICATION_FAILURES - failures);
        return lockedByThisAttempt
          ? {
              ...current,
              verificationFailures: 0,
              verificationLockedUntil: new Date(now.getTime() + VERIFICATION_LOCK_SECONDS * 1000),
            }
          : { ...current, verificationFailures: failures };
      });
      // Typed as printed or read aloud: "790 473" and "790-473" are the code 790473.
      const entered = code.replace(/[\s-]+/g, '');
      const consumed = /^\d{6}$/.test(entered)
        ? await enrollmentStore.consumeSecret(
            'sms-code',
            hashSecret(await hmacKey(), 'sms-code', `${userGuid}:${entered}`),
            now,
          )
        : undefined;

      if (!consumed) {
        await deps.auditLog.record(
          setupAudit(userGuid, request, now, { action: 'setup.verify', result: 'refused', reason: 'wrong-code' }),
        );
        logger.info('verification code refused', { userGuid, locked: lockedByThisAttempt });
        if (lockedByThisAttempt) {
          throw new RateLimitedError(LOCKED_MESSAGE, VERIFICATION_LOCK_SECONDS);
        }
        return { ok: false, reason: 'code-invalid', attemptsLeft };
      }

      // The code verifies the number it was sent to, and only under the activation that sent it: a code of an earlier
      // link (revoked or superseded since) is as wrong as a mistyped one.
      const phone = consumed.phoneE164;
      if (
        phone === undefined ||
        consumed.activationHash === undefined ||
        !digestsEqual(consumed.activationHash, activation.hash)
      ) {
        logger.info('verification code refused', { userGuid, reason: 'other-activation' });
        return { ok: false, reason: 'code-invalid', attemptsLeft };
      }
      // Finishing setup uses up the activation, with a conditional write: of this and a concurrent device binding (or a
      // second tab) exactly one completes, and every other secret issued under this link dies with it.
      if (!(await enrollmentStore.consumeSecret('activation', activation.hash, now))) return linkInvalid;
      let previousPhone: string | undefined;
      let previousSender: string | undefined;
      let stillCurrent = false;
      await update(userGuid, (current) => {
        // Revoked or re-activated between the checks above and this save: the setup no longer counts.
        stillCurrent = issuedUnderCurrentActivation(current, consumed);
        if (!stillCurrent) return undefined;
        previousPhone = current.phoneE164;
        previousSender = current.senderNumber;
        const { pendingPhoneE164: _sent, verificationLockedUntil: _lock, senderNumber: _saved, ...rest } = current;
        const senderNumber = settings.confirmationFrom;
        return {
          ...rest,
          status: 'active',
          phoneE164: phone,
          ...(senderNumber ? { senderNumber } : {}),
          methods: { ...current.methods, sms: true },
          ...(choices.expiryRemindersBySms !== undefined
            ? { expiryReminders: { ...current.expiryReminders, sms: choices.expiryRemindersBySms } }
            : {}),
          verificationFailures: 0,
        };
      });
      if (!stillCurrent) return linkInvalid;
      await notifyOrLog(logger, 'setup-complete-sms', userGuid, () =>
        deps.smsSender.send({
          to: phone,
          body: setupCompleteSms(settings),
          ...(settings.confirmationFrom ? { from: settings.confirmationFrom } : {}),
        }),
      );
      const replaced = previousPhone !== undefined && previousPhone !== phone ? previousPhone : undefined;
      if (replaced) {
        // A changed number is told on the old number and by email, so a takeover of the account's phone is noticed.
        const oldFrom = previousSender ?? settings.confirmationFrom;
        await notifyOrLog(logger, 'phone-changed-sms', userGuid, () =>
          deps.smsSender.send({
            to: replaced,
            body: phoneChangedSms(settings, masked(phone)),
            ...(oldFrom ? { from: oldFrom } : {}),
          }),
        );
        await notifyOrLog(logger, 'phone-changed-email', userGuid, () =>
          deps.emailSender.send(
            phoneChangedEmail(settings, enrollment, { from: masked(replaced), to: masked(phone) }, now),
          ),
        );
      } else {
        await notifyOrLog(logger, 'phone-verified-email', userGuid, () =>
          deps.emailSender.send(phoneVerifiedEmail(settings, enrollment, masked(phone), now)),
        );
      }
      const action = replaced ? 'setup.phone-changed' : 'setup.phone-verified';
      await deps.auditLog.record(setupAudit(userGuid, request, now, { action, result: 'success' }));
      logger.info('phone verified', { userGuid });
      return { ok: true, state: 'complete', method: 'sms' };
    },

    async createQr(token: string, request: RequestFacts): Promise<QrResult> {
      const resolved = await resolve(token, { allowCompleted: false });
      if (!resolved) return linkInvalid;
      const userGuid = resolved.enrollment.userGuid;
      await limit(
        `setup-qr:${userGuid}`,
        enrollmentLimits.qrPerEnrollmentPerHour,
        3600,
        'Too many QR codes. Try again later.',
      );
      const now = clock.now();
      const bindingCode = generateToken(16);
      const expiresAt = new Date(now.getTime() + enrollmentLimits.bindingTtlSeconds * 1000);
      await enrollmentStore.putSecret({
        purpose: 'binding',
        hash: hashSecret(await hmacKey(), 'binding', bindingCode),
        userGuid,
        issuedAt: now,
        expiresAt,
        activationHash: resolved.secret.hash,
      });
      const uri = appEnrollLink(settings.publicBaseUrl, bindingCode);
      const qrSvg = deps.qrCode.svg(uri);
      await deps.auditLog.record(setupAudit(userGuid, request, now, { action: 'setup.qr-issued', result: 'success' }));
      return { ok: true, uri, qrSvg, expiresAt };
    },

    async status(token: string): Promise<StatusResult> {
      const resolved = await resolve(token, { allowCompleted: true });
      if (!resolved) return linkInvalid;
      const { enrollment, secret } = resolved;
      if (secret.usedAt) return { ok: true, state: 'complete', method: enrollment.methods.app ? 'app' : 'sms' };
      return { ok: true, state: inProgressState(enrollment).state };
    },
  };
}

export type SetupUseCases = ReturnType<typeof createSetupUseCases>;

/** An audit event of the setup page, with the id of the request when API Gateway gave one. */
function setupAudit(
  userGuid: string,
  request: RequestFacts,
  at: Date,
  event: Pick<AuditEvent, 'action' | 'result' | 'reason'>,
): AuditEvent {
  return { userGuid, ...event, channel: 'web', ...(request.requestId ? { requestId: request.requestId } : {}), at };
}
