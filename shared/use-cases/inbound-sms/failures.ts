import type { Enrollment } from '../../domain/enrollment.js';
import { sendUnlessOptedOut } from '../messaging/index.js';
import type { InboundSms } from '../../domain/inbound-sms.js';
import type { AuditLog } from '../../ports/audit-log.js';
import type { Clock } from '../../ports/clock.js';
import type { EnrollmentStore } from '../../ports/enrollment-store.js';
import type { Logger } from '../../ports/logger.js';
import type { OnceKeys } from '../../ports/once-keys.js';
import type { OptOutList } from '../../ports/opt-out-list.js';
import type { SmsSender } from '../../ports/sms-sender.js';
import { jobIdForInboundMessage, type InboundSmsSettings } from './handle-inbound-sms.js';
import { inboundFailedSms } from './messages.js';
import { actOncePerMessage, type InboundClaim } from './once-per-message.js';

/**
 * An inbound SMS that Blink gave up on: its handling failed on every attempt (Lambda retried the SNS invocation
 * twice) and the invocation record landed in the inbound SMS failure queue. The house rule "nothing lost, user told":
 * the sender hears that nothing happened, the enrolled user's audit trail keeps the event, and the record itself
 * stays in the failure queue's alarm history (the alarm fires on arrivals, docs in infra/stacks/messaging-stack.ts).
 */
export interface GivenUpInboundSms {
  message: InboundSms;
  /** Why Lambda stopped retrying, from the invocation record (RetriesExhausted, EventAgeExceeded…). */
  condition: string;
}

export type InboundFailureOutcome =
  /** The destination is not a published number: the use case ignored it, so nobody waits for an answer. */
  | 'not-our-number'
  /** This message's failure was handled before (a redelivered record): nothing more. */
  | 'duplicate'
  /** No single active SMS enrollment for the sender: silence (no cost, and no hint whether a number is enrolled). */
  | 'unknown-sender'
  /** The sender opted out: nothing is ever sent to it. */
  | 'opted-out'
  /** The request's job had run all the same (it failed after the job was queued): the worker's SMS was the answer. */
  | 'request-went-through'
  | 'apology-sent';

export interface InboundSmsFailureDependencies {
  enrollmentStore: EnrollmentStore;
  onceKeys: OnceKeys;
  optOutList: OptOutList;
  smsSender: SmsSender;
  auditLog: AuditLog;
  clock: Clock;
  logger: Logger;
  settings: Pick<InboundSmsSettings, 'inboundNumbers' | 'productName' | 'supportContact'>;
  /** Counts one inbound message given up on (metric InboundSmsGaveUp when deployed). */
  onGaveUp: () => void;
}

/** The failure records stay in the queue up to 14 days (its retention); a redelivery within that is a duplicate. */
export const INBOUND_FAILURE_DEDUPE_SECONDS = 14 * 86_400;
const givenUpClaim: InboundClaim = {
  keyPrefix: 'inbound-failed',
  keepSeconds: INBOUND_FAILURE_DEDUPE_SECONDS,
  subject: 'given-up inbound SMS',
};

/** Audit events looked at for a sign that the request's job ran (newest first): a few days of a user's activity. */
const RECENT_AUDIT_EVENTS = 50;

/**
 * Handles one given-up inbound SMS. Idempotent on inboundMessageId (OnceKeys `inbound-failed#<id>`): one apology per
 * message however often the record is delivered. A failure forgets the key and is thrown, so the record goes back
 * to the queue, is retried, and after the queue's maxReceiveCount lands in its DLQ (alarmed).
 */
export function createInboundSmsFailureUseCase(deps: InboundSmsFailureDependencies) {
  const { enrollmentStore, optOutList, smsSender, auditLog, logger, settings } = deps;

  async function handle({ message, condition }: GivenUpInboundSms): Promise<InboundFailureOutcome> {
    return actOncePerMessage(deps, message, { ...givenUpClaim, handledFields: { condition } }, (now) => {
      deps.onGaveUp();
      return tellSender(message, now);
    });
  }

  async function tellSender(message: InboundSms, now: Date): Promise<InboundFailureOutcome> {
    const { inboundMessageId, originationNumber: sender } = message;
    const enrollment = await senderEnrollment(sender);
    if (!enrollment) return 'unknown-sender';
    const { userGuid } = enrollment;
    const audit = (reason: string) =>
      auditLog.record({
        userGuid,
        action: 'inbound-failed',
        channel: 'sms',
        result: 'failed',
        reason,
        requestId: inboundMessageId,
        at: now,
      });

    // The use case fails after queueing a job only when its own audit write fails; the job then still ran and the
    // worker answered (its audit events carry the job id). Then "nothing was changed" would be wrong: say nothing.
    if (await jobRan(userGuid, inboundMessageId)) {
      await audit('request-went-through');
      return 'request-went-through';
    }
    // The audit event first: should the SMS then fail, the retry writes a second event rather than a second SMS.
    // From the number the user texted (one of ours, checked above), as every answer to an inbound message.
    const apology = { to: sender, body: inboundFailedSms(settings), from: message.destinationNumber };
    const outcome = await sendUnlessOptedOut({ smsSender, optOutList }, apology, now, () => audit('sender-told'));
    if (outcome === 'sent') return 'apology-sent';
    await audit('opted-out');
    if (outcome === 'opted-out-with-carrier')
      logger.info('apology not sent: the number opted out with the carrier', { inboundMessageId });
    return 'opted-out';
  }

  /** Exactly one active enrollment whose verified phone is the sender and which may reset by SMS, as the use case. */
  async function senderEnrollment(sender: string): Promise<Enrollment | undefined> {
    const candidates = (await enrollmentStore.findByPhone(sender)).filter(
      (enrollment) => enrollment.status === 'active' && enrollment.methods.sms && enrollment.phoneE164 === sender,
    );
    return candidates.length === 1 ? candidates[0] : undefined;
  }

  async function jobRan(userGuid: string, inboundMessageId: string): Promise<boolean> {
    const jobId = jobIdForInboundMessage(inboundMessageId);
    const recent = await auditLog.listForUser(userGuid, RECENT_AUDIT_EVENTS);
    return recent.some((event) => event.requestId === jobId);
  }

  return handle;
}

export type InboundSmsFailureUseCase = ReturnType<typeof createInboundSmsFailureUseCase>;
