import * as z from 'zod';

const jobBase = { jobId: z.uuid(), requestedAt: z.iso.datetime() };
const accountJobBase = {
  ...jobBase,
  userGuid: z.uuid(),
  /** Where the request came from and where the answer goes: the verified phone, or the bound device. */
  channel: z.enum(['sms', 'app']),
  /** The requesting device (channel 'app' only): the new password is encrypted to its public key. */
  deviceId: z.uuid().optional(),
  /** The inbound message that asked (channel 'sms'), for the audit trail. */
  inboundMessageId: z.string().min(1).max(200).optional(),
  /**
   * Blink's own number that received that message (channel 'sms'): the worker answers from it, so the answer lands in
   * the thread the user texted. Never the user's number.
   */
  replyFrom: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/)
    .optional(),
  /**
   * Asked by a help-desk technician in the admin portal after verifying the caller (channel 'sms'): who, for the audit
   * trail, and so that the user's messages name the help desk. Never the technician's way to the password.
   */
  helpDesk: z.object({ actor: z.string().min(1).max(300) }).optional(),
};
const appJobNeedsDevice = (job: { channel: 'sms' | 'app'; deviceId?: string | undefined }) =>
  (job.channel === 'app') === (job.deviceId !== undefined);
const deviceRule = { message: 'deviceId is required for channel app and only for it', path: ['deviceId'] };

/**
 * Work for the directory worker, as it travels on the queue. Ids only: a job never carries a password or a code.
 * `jobId` is the idempotency key: a job delivered twice is done once.
 */
export const directoryJobSchema = z.discriminatedUnion('kind', [
  /** Put on the queue by the EventBridge schedule (jobId is the event id) or the local scheduler tick. */
  z.object({ kind: z.literal('lockout-scan'), ...jobBase }),
  /** Checks that a DC answers with the configured bind credential. */
  z.object({ kind: z.literal('ping'), ...jobBase }),
  z.object({ kind: z.literal('reset'), ...accountJobBase }).refine(appJobNeedsDevice, deviceRule),
  z.object({ kind: z.literal('unlock'), ...accountJobBase }).refine(appJobNeedsDevice, deviceRule),
  /**
   * The daily password-expiry reminders (shared/use-cases/expiry-reminders). jobId is EventBridge Scheduler's
   * execution id (not a UUID), a UUID locally; the reminder log, not the job id, makes each reminder go once. A scan
   * that ran out of time queues its continuation with `after`: the users it handled, in (pwdLastSet, objectGUID)
   * order, are skipped.
   */
  z.object({
    kind: z.literal('password-expiry-scan'),
    jobId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be an id of letters, digits and dashes'),
    requestedAt: z.iso.datetime(),
    after: z.object({ pwdLastSet: z.string().regex(/^\d{1,20}$/), userGuid: z.uuid() }).optional(),
  }),
  /**
   * One paced lockout alert of a mass-lockout event (shared/use-cases/lockout): the scan claimed the lockout event
   * and queued the alert to be sent at `notBefore`, its slot in the SMS numbers' schedule. Ids and times only.
   */
  z.object({
    kind: z.literal('lockout-alert'),
    ...jobBase,
    userGuid: z.uuid(),
    lockoutTime: z.string().regex(/^\d{1,20}$/),
    lockedAt: z.iso.datetime(),
    notBefore: z.iso.datetime(),
    /** Until when the claim of the lockout event is kept (the alert log's record too). */
    keepUntil: z.iso.datetime(),
    /** When the lockout ends by itself (absent when only an unlock ends it): the portal's "locked until". */
    lockoutEndsAt: z.iso.datetime().optional(),
  }),
  /**
   * One paced SMS password-expiry reminder (shared/use-cases/expiry-reminders): the reminder was claimed by the scan
   * and its SMS queued for `notBefore`, its share of the SMS numbers' schedule.
   */
  z.object({
    kind: z.literal('expiry-reminder-sms'),
    ...jobBase,
    userGuid: z.uuid(),
    expiresAt: z.iso.datetime(),
    notBefore: z.iso.datetime(),
  }),
]);

export type DirectoryJob = z.infer<typeof directoryJobSchema>;
