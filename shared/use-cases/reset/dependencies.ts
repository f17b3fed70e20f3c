import type { Logger } from '../../ports/logger.js';
import type { AuditLog } from '../../ports/audit-log.js';
import type { Clock } from '../../ports/clock.js';
import type { DeviceStore } from '../../ports/device-store.js';
import type { Directory } from '../../ports/directory.js';
import type { EmailSender } from '../../ports/email-sender.js';
import type { EnrollmentStore } from '../../ports/enrollment-store.js';
import type { JobLedger } from '../../ports/job-ledger.js';
import type { OptOutList } from '../../ports/opt-out-list.js';
import type { PasswordDelivery } from '../../ports/password-delivery.js';
import type { PushSender } from '../../ports/push-sender.js';
import type { RateLimitRefunds } from '../../ports/rate-limit-refunds.js';
import type { RateLimiter } from '../../ports/rate-limiter.js';
import type { SmsSender } from '../../ports/sms-sender.js';
import type { ResetWording } from './messages.js';

/** The env section `reset` plus what the worker's composition knows (lease, wording, sender). */
export interface ResetSettings extends ResetWording {
  /** RESET_FORCE_CHANGE */
  forceChange: boolean;
  /** RESET_UNLOCK_ON_RESET */
  unlockOnReset: boolean;
  /** PASSWORD_MIN_LENGTH */
  passwordMinLength: number;
  /** PASSWORD_REJECTION_RETRIES: new passwords tried after the first one AD refused. */
  rejectionRetries: number;
  /** JOB_MAX_RECEIVE_COUNT: the queue's maxReceiveCount. */
  maxReceiveCount: number;
  /** APP_RESULT_TTL_SECONDS */
  appResultTtlSeconds: number;
  /** How long a claimed job is held: the worker's timeout, so a crashed run frees the job when SQS redelivers it. */
  leaseSeconds: number;
  /** Origination identity of the replies (the first configured one); the sender's default when absent. */
  smsFrom?: string;
  /**
   * SMS_INBOUND_NUMBERS: Blink's numbers users text. A job's `replyFrom` is used only when it is one of them (it is
   * set by the inbound use case from the number that received the request).
   */
  replyNumbers: string[];
  /**
   * REPLICATION_CONFIRM_SECONDS in ms: after a reset, how long the worker polls the other DCs for the new password
   * before it sends the SMS (0: no check). A DC still behind then raises `onReplicationBehind`, and the SMS says to
   * wait a minute before signing in.
   */
  replicationConfirmMs: number;
}

/** Why an account job was refused, for the `ResetRefused` metric (admins are alerted on it). */
export type RefusalReason =
  | 'protected'
  | 'disabled'
  | 'expired'
  | 'computer'
  | 'not-found'
  | 'ambiguous'
  | 'password-rejected'
  | 'directory-error';

export interface ResetDependencies {
  directory: Directory;
  enrollmentStore: EnrollmentStore;
  deviceStore: DeviceStore;
  jobLedger: JobLedger;
  smsSender: SmsSender;
  emailSender: EmailSender;
  optOutList: OptOutList;
  passwordDelivery: PasswordDelivery;
  pushSender: PushSender;
  /** The per-account request limits: an UNLOCK of an account that was not locked is given back (account-jobs.ts). */
  rateLimiter: RateLimiter & RateLimitRefunds;
  auditLog: AuditLog;
  clock: Clock;
  logger: Logger;
  /** Counts a refusal (the composition adds the `ResetRefused` metric, which has an alarm). */
  onRefused: (reason: RefusalReason) => void;
  /** Counts the DCs that had not the new password when the confirmation ended (the `ReplicationBehind` metric, alarmed). */
  onReplicationBehind?: (dcs: number) => void;
  settings: ResetSettings;
}
