import { createHash } from 'node:crypto';
import type { Logger } from '../../ports/logger.js';
import type { Enrollment } from '../../domain/enrollment.js';
import { sendUnlessOptedOut } from '../messaging/index.js';
import type { InboundSms } from '../../domain/inbound-sms.js';
import { generateSmsCode, hashSecret } from '../../domain/one-time-secrets.js';
import { defaultKeywordAliases, parseSmsIntent, type KeywordAliases } from '../../domain/sms-keywords.js';
import type { AuditEvent, AuditLog } from '../../ports/audit-log.js';
import type { Clock } from '../../ports/clock.js';
import type { EnrollmentStore } from '../../ports/enrollment-store.js';
import type { JobQueue } from '../../ports/job-queue.js';
import type { MassLockoutEvents } from '../../ports/mass-lockout-events.js';
import type { OnceKeys } from '../../ports/once-keys.js';
import type { OptOutList } from '../../ports/opt-out-list.js';
import type { RateLimiter } from '../../ports/rate-limiter.js';
import type { Secrets } from '../../ports/secrets.js';
import type { SmsSender } from '../../ports/sms-sender.js';
import { resetLimitKeys, type ResetLimits } from '../app-requests/index.js';
import { lockoutAlertAnswerKey } from '../lockout/index.js';
import {
  confirmationCodeSms,
  helpLimitSms,
  helpSms,
  optedInSms,
  tooManyRequestsSms,
  unknownSenderSms,
  wrongConfirmationCodeSms,
  type AccountRequestKind,
  type ReplySettings,
} from './messages.js';
import { actOncePerMessage, type InboundClaim } from './once-per-message.js';

export { waitWording } from './messages.js';

export interface InboundSmsSettings extends ReplySettings {
  /** SMS_INBOUND_NUMBERS: messages to any other number are ignored. */
  inboundNumbers: string[];
  /** Words that mean RESET / UNLOCK / HELP: the defaults plus SMS_*_KEYWORDS. */
  aliases: KeywordAliases;
  /** RESET_CONFIRMATION: reset only after the user sends back the code of our reply. */
  confirmation: boolean;
  limits: ResetLimits;
}

export interface InboundSmsDependencies {
  enrollmentStore: EnrollmentStore;
  onceKeys: OnceKeys;
  optOutList: OptOutList;
  rateLimiter: RateLimiter;
  jobQueue: JobQueue;
  smsSender: SmsSender;
  auditLog: AuditLog;
  secrets: Secrets;
  clock: Clock;
  /** Ids only: never a body, a code or a number. */
  logger: Logger;
  settings: InboundSmsSettings;
  /** During a mass-lockout event RESET and UNLOCK need the confirmation code even when RESET_CONFIRMATION is off. */
  massLockoutEvents?: MassLockoutEvents;
}

/** How long a message id is remembered: SNS redelivers within hours; the HTTPS route refuses anything older. */
export const INBOUND_DEDUPE_SECONDS = 7 * 86_400;
const inboundClaim: InboundClaim = {
  keyPrefix: 'inbound-sms',
  keepSeconds: INBOUND_DEDUPE_SECONDS,
  subject: 'inbound SMS',
};

/** Lifetime of a confirmation code (RESET_CONFIRMATION). */
export const CONFIRMATION_CODE_SECONDS = 300;
/** Code replies per account and 5-minute window: bounds guessing even when the hour and day budgets are large. */
export const CONFIRMATION_ATTEMPTS_PER_WINDOW = 5;
const UNKNOWN_SENDER_REPLY_SECONDS = 86_400;
/**
 * Generic replies to unknown numbers for the whole deployment per hour: each is a message Blink pays for, sent to a
 * number nobody verified, so many senders at once (a spam wave, a number list) get silence past this ceiling.
 */
export const UNKNOWN_SENDER_REPLIES_PER_HOUR = 60;
const LIMIT_NOTICE_SECONDS = 3600;
/** How long the "answered since the last lockout alert" mark is kept (alerts come at most a few times a day). */
const ALERT_ANSWER_KEEP_SECONDS = 86_400;
/**
 * Help-text replies (HELP and words Blink does not know) per enrolled number and 24 hours: each is an SMS Blink pays
 * for, and a script or a chatty user texting an enrolled number must not make Blink answer every message.
 */
export const HELP_REPLIES_PER_DAY = 5;
const HELP_WINDOW_SECONDS = 86_400;
const OPT_IN_REPLY_SECONDS = 3600;

/**
 * Counts one reset or unlock request (or a wrong confirmation code) against the account's hourly and daily budget,
 * on the same keys as app requests, so switching channel does not double the budget.
 */
async function countResetRequest(
  rateLimiter: RateLimiter,
  userGuid: string,
  limits: ResetLimits,
): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }> {
  const hourly = await rateLimiter.hit(resetLimitKeys.hour(userGuid), limits.resetsPerHour, 3600);
  if (!hourly.allowed) return { allowed: false, retryAfterSeconds: hourly.retryAfterSeconds };
  const daily = await rateLimiter.hit(resetLimitKeys.day(userGuid), limits.resetsPerDay, 86_400);
  if (!daily.allowed) return { allowed: false, retryAfterSeconds: daily.retryAfterSeconds };
  return { allowed: true };
}

export type InboundSmsOutcome =
  | 'not-our-number'
  | 'duplicate'
  | 'opted-out'
  | 'opted-in'
  | 'sender-opted-out'
  | 'unknown-sender'
  | 'help'
  | 'help-capped'
  | 'rate-limited'
  | 'confirmation-sent'
  | 'wrong-code'
  | 'job-enqueued';

/** The jobId of the request an inbound message makes: derived from its id, so a redelivery enqueues the same job. */
export function jobIdForInboundMessage(inboundMessageId: string): string {
  const hex = createHash('sha256').update(`blink:inbound-sms-job:${inboundMessageId}`).digest('hex');
  // A UUID of version 8 (custom) with the RFC 9562 variant.
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * One inbound SMS, from either entry (the SNS topic's Lambda subscription or the HTTPS route): docs/design/reset.md
 * "Inbound SMS". Idempotent on inboundMessageId; a failure is thrown (after the message id is forgotten) so the
 * delivery is retried.
 */
export function createInboundSmsUseCase(deps: InboundSmsDependencies) {
  const { enrollmentStore, onceKeys, optOutList, rateLimiter, smsSender, auditLog, clock, logger, settings } = deps;

  async function handle(message: InboundSms): Promise<InboundSmsOutcome> {
    return actOncePerMessage(deps, message, inboundClaim, (now) => act(message, now));
  }

  async function act(message: InboundSms, now: Date): Promise<InboundSmsOutcome> {
    const { inboundMessageId, originationNumber: sender } = message;
    const intent = parseSmsIntent(message.messageBody, settings.aliases);
    const reply = replier(message, now);

    if (intent.kind === 'opt-out') {
      await optOutList.optOut(sender, now);
      await auditForSender(sender, {
        action: 'opt-out',
        channel: 'sms',
        result: 'success',
        requestId: inboundMessageId,
        at: now,
      });
      return 'opted-out';
    }
    if (intent.kind === 'opt-in') {
      await optOutList.optIn(sender);
      await auditForSender(sender, {
        action: 'opt-in',
        channel: 'sms',
        result: 'success',
        requestId: inboundMessageId,
        at: now,
      });
      // One confirmation per number and hour: START cannot be used to make us text a number over and over.
      const decision = await rateLimiter.hit(`opt-in-reply#${sender}`, 1, OPT_IN_REPLY_SECONDS);
      if (decision.allowed) await reply(optedInSms(settings));
      return 'opted-in';
    }

    // An opted-out number gets nothing, so it may not start anything either: a reset whose answer can never be
    // delivered would only leave the user without a password. START or UNSTOP first.
    if (await optOutList.isOptedOut(sender)) return 'sender-opted-out';

    const enrollment = await senderEnrollment(sender, inboundMessageId);
    if (!enrollment) {
      // No AD contact and no job; at most one generic reply per number per day, whatever it texted.
      const decision = await rateLimiter.hit(`unknown-sender#${sender}`, 1, UNKNOWN_SENDER_REPLY_SECONDS);
      if (
        decision.allowed &&
        (await rateLimiter.hit('unknown-sender-global', UNKNOWN_SENDER_REPLIES_PER_HOUR, 3600)).allowed
      ) {
        await reply(unknownSenderSms(settings));
      } else if (decision.allowed) {
        logger.warn('generic reply to an unknown sender withheld: deployment-wide hourly ceiling reached', {
          inboundMessageId,
        });
      }
      return 'unknown-sender';
    }
    const userGuid = enrollment.userGuid;

    if (intent.kind === 'reset' || intent.kind === 'unlock') {
      const allowed = await withinBudget(userGuid, intent.kind, inboundMessageId, now, reply);
      if (!allowed) return 'rate-limited';
      if (await confirmationNeeded(now)) {
        await issueConfirmation(userGuid, intent.kind, inboundMessageId, now, reply);
        return 'confirmation-sent';
      }
      await enqueue(userGuid, intent.kind, message, now);
      return 'job-enqueued';
    }
    // A code issued during a mass-lockout event stays good for its lifetime after the event ends.
    if (intent.kind === 'confirmation-code' && (await confirmationNeeded(now, CONFIRMATION_CODE_SECONDS))) {
      return confirm(userGuid, intent.code, message, now, reply);
    }
    return helpReply(sender, reply);
  }

  /**
   * RESET_CONFIRMATION, or a mass-lockout event running (`graceSeconds` ago): a spray's victims are many, and an
   * UNLOCK from a spoofed sender must not undo what IT is containing.
   */
  async function confirmationNeeded(now: Date, graceSeconds = 0): Promise<boolean> {
    if (settings.confirmation) return true;
    const events = deps.massLockoutEvents;
    return events !== undefined && (await events.activeAt(new Date(now.getTime() - graceSeconds * 1000))) !== undefined;
  }

  /** The help text, at most HELP_REPLIES_PER_DAY a day to a number; past that, one notice for the day, then silence. */
  async function helpReply(sender: string, reply: Reply): Promise<InboundSmsOutcome> {
    if ((await rateLimiter.hit(`help-reply#${sender}`, HELP_REPLIES_PER_DAY, HELP_WINDOW_SECONDS)).allowed) {
      await reply(helpSms(settings));
      return 'help';
    }
    if ((await rateLimiter.hit(`help-limit-notice#${sender}`, 1, HELP_WINDOW_SECONDS)).allowed)
      await reply(helpLimitSms(settings));
    return 'help-capped';
  }

  /** Exactly one active enrollment whose verified phone is the sender and which may reset by SMS; else none. */
  async function senderEnrollment(sender: string, inboundMessageId: string): Promise<Enrollment | undefined> {
    const candidates = (await enrollmentStore.findByPhone(sender)).filter(
      (enrollment) => enrollment.status === 'active' && enrollment.methods.sms && enrollment.phoneE164 === sender,
    );
    if (candidates.length > 1)
      logger.warn('inbound SMS from a number shared by several enrollments refused', {
        inboundMessageId,
        count: candidates.length,
      });
    return candidates.length === 1 ? candidates[0] : undefined;
  }

  async function withinBudget(
    userGuid: string,
    kind: AccountRequestKind,
    requestId: string,
    now: Date,
    reply: Reply,
  ): Promise<boolean> {
    const decision = await countResetRequest(rateLimiter, userGuid, settings.limits);
    if (decision.allowed) return true;
    await refuseOverLimit(userGuid, kind, requestId, now, decision.retryAfterSeconds, reply);
    return false;
  }

  /**
   * Audits the refusal and tells the phone when to try again: once per account, hour and kind of request (RESET,
   * UNLOCK, a code), however often it keeps texting, so a user told about RESET still hears why UNLOCK is refused;
   * and always for the first refusal after a lockout alert, whose "Reply UNLOCK" must not meet silence.
   */
  async function refuseOverLimit(
    userGuid: string,
    kind: AccountRequestKind | 'code',
    requestId: string,
    now: Date,
    retryAfterSeconds: number,
    reply: Reply,
  ) {
    const action = kind === 'code' ? 'confirmation-code' : `${kind}-requested`;
    await auditLog.record({
      userGuid,
      action,
      channel: 'sms',
      result: 'refused',
      reason: 'rate-limited',
      requestId,
      at: now,
    });
    const afterAlert = await onceKeys.recordFirst(
      lockoutAlertAnswerKey(userGuid),
      new Date(now.getTime() + ALERT_ANSWER_KEEP_SECONDS * 1000),
    );
    const notice = await rateLimiter.hit(`reset-limit-notice#${kind}#${userGuid}`, 1, LIMIT_NOTICE_SECONDS);
    if (afterAlert || notice.allowed) await reply(tooManyRequestsSms(settings, retryAfterSeconds));
  }

  async function enqueue(
    userGuid: string,
    kind: AccountRequestKind,
    message: InboundSms,
    requestedAt: Date,
  ): Promise<void> {
    const { inboundMessageId } = message;
    const jobId = jobIdForInboundMessage(inboundMessageId);
    // The worker answers from the number the user texted (one of SMS_INBOUND_NUMBERS, checked on arrival).
    await deps.jobQueue.enqueue({
      kind,
      jobId,
      requestedAt: requestedAt.toISOString(),
      userGuid,
      channel: 'sms',
      inboundMessageId,
      replyFrom: message.destinationNumber,
    });
    const now = clock.now();
    await auditLog.record({
      userGuid,
      action: `${kind}-requested`,
      channel: 'sms',
      result: 'success',
      requestId: jobId,
      at: now,
    });
    logger.info('account request enqueued', { inboundMessageId, jobId, userGuid, kind });
  }

  async function confirmationHash(userGuid: string, kind: AccountRequestKind, code: string): Promise<string> {
    // The kind is part of the hashed value: the stored secret says which request it confirms without storing more.
    return hashSecret(await deps.secrets.get('token-hmac-key'), 'reset-confirmation', `${userGuid}:${kind}:${code}`);
  }

  async function issueConfirmation(
    userGuid: string,
    kind: AccountRequestKind,
    requestId: string,
    now: Date,
    reply: Reply,
  ): Promise<void> {
    const code = generateSmsCode();
    // Issuing supersedes the code of an earlier RESET or UNLOCK of this account.
    await enrollmentStore.putSecret({
      purpose: 'reset-confirmation',
      hash: await confirmationHash(userGuid, kind, code),
      userGuid,
      issuedAt: now,
      expiresAt: new Date(now.getTime() + CONFIRMATION_CODE_SECONDS * 1000),
    });
    await auditLog.record({
      userGuid,
      action: `${kind}-confirmation-sent`,
      channel: 'sms',
      result: 'success',
      requestId,
      at: now,
    });
    await reply(confirmationCodeSms(settings, kind, code));
  }

  async function confirm(
    userGuid: string,
    code: string,
    message: InboundSms,
    now: Date,
    reply: Reply,
  ): Promise<InboundSmsOutcome> {
    const { inboundMessageId } = message;
    // Counted before the code is looked at: guesses stay bounded even while an account's budget has room.
    const attempts = await rateLimiter.hit(
      `reset-confirmation-attempts#${userGuid}`,
      CONFIRMATION_ATTEMPTS_PER_WINDOW,
      CONFIRMATION_CODE_SECONDS,
    );
    if (!attempts.allowed) {
      await refuseOverLimit(userGuid, 'code', inboundMessageId, now, attempts.retryAfterSeconds, reply);
      return 'rate-limited';
    }
    for (const kind of ['reset', 'unlock'] as const) {
      const consumed = await enrollmentStore.consumeSecret(
        'reset-confirmation',
        await confirmationHash(userGuid, kind, code),
        now,
      );
      if (consumed) {
        // Requested (and counted in the limits) when the code was issued: a refund by the worker goes to that window.
        await enqueue(userGuid, kind, message, consumed.issuedAt);
        return 'job-enqueued';
      }
    }
    // A wrong (or expired, or superseded) code costs a request from the account's budget.
    const decision = await countResetRequest(rateLimiter, userGuid, settings.limits);
    if (!decision.allowed) {
      await refuseOverLimit(userGuid, 'code', inboundMessageId, now, decision.retryAfterSeconds, reply);
      return 'rate-limited';
    }
    await auditLog.record({
      userGuid,
      action: 'confirmation-code',
      channel: 'sms',
      result: 'refused',
      reason: 'wrong-code',
      requestId: inboundMessageId,
      at: now,
    });
    await reply(wrongConfirmationCodeSms(settings));
    return 'wrong-code';
  }

  /** Audit events of an opt-out or opt-in: on each account of the number, or as a system event when it has none. */
  async function auditForSender(sender: string, event: Omit<AuditEvent, 'userGuid'>): Promise<void> {
    const accounts = await enrollmentStore.findByPhone(sender);
    if (accounts.length === 0) {
      await auditLog.record(event);
      return;
    }
    for (const account of accounts) await auditLog.record({ ...event, userGuid: account.userGuid });
  }

  type Reply = (body: string) => Promise<void>;

  /**
   * Replies to the sender from the number it texted (one of SMS_INBOUND_NUMBERS, checked on arrival: a reply from
   * another number would start a second thread), and never to a number that opted out.
   */
  function replier(message: InboundSms, now: Date): Reply {
    const to = message.originationNumber;
    const from = message.destinationNumber;
    return async (body: string) => {
      const outcome = await sendUnlessOptedOut({ smsSender, optOutList }, { to, body, from }, now);
      if (outcome === 'opted-out') {
        logger.info('reply not sent: the number opted out', { inboundMessageId: message.inboundMessageId });
      } else if (outcome === 'opted-out-with-carrier') {
        logger.info('reply not sent: the number opted out with the carrier', {
          inboundMessageId: message.inboundMessageId,
        });
      }
    };
  }

  return handle;
}

export type InboundSmsUseCase = ReturnType<typeof createInboundSmsUseCase>;

/** The aliases from configuration: the defaults always work, SMS_*_KEYWORDS add words. */
export function keywordAliasesFrom(extra: {
  reset?: string[] | undefined;
  unlock?: string[] | undefined;
  help?: string[] | undefined;
}): KeywordAliases {
  return {
    reset: [...defaultKeywordAliases.reset, ...(extra.reset ?? [])],
    unlock: [...defaultKeywordAliases.unlock, ...(extra.unlock ?? [])],
    help: [...defaultKeywordAliases.help, ...(extra.help ?? [])],
  };
}
