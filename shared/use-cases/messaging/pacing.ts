/**
 * Paces messages to a sender's throughput: message `index` of a run that may start at `start` goes at
 * `start + floor(index / perSecond)` seconds, so at most `perSecond` messages share a second (toll-free numbers send
 * about 3 a second; more are queued or dropped by the carrier). Used for mass-lockout alerts and SMS reminders alike.
 */
export function pacedSendTime(start: Date, index: number, perSecond: number): Date {
  return new Date(start.getTime() + Math.floor(index / perSecond) * 1000);
}

/** Whole seconds a run of `count` messages occupies at `perSecond`: what a reservation of the sender takes. */
export function pacedRunSeconds(count: number, perSecond: number): number {
  return Math.ceil(count / perSecond);
}

/** SQS holds a message back at most 15 minutes; a later send time is reached by queueing the job again. */
export const MAX_QUEUE_DELAY_SECONDS = 900;

/** The queue delay that makes a job visible at `sendAt` (whole seconds, at most the queue's maximum). */
export function queueDelayFor(sendAt: Date, now: Date): number {
  const seconds = Math.ceil((sendAt.getTime() - now.getTime()) / 1000);
  return Math.min(MAX_QUEUE_DELAY_SECONDS, Math.max(0, seconds));
}
