import type { DirectoryJob } from '../../domain/directory-job.js';
import type { JobQueue } from '../../ports/job-queue.js';
import type { SendPacer } from '../../ports/send-pacer.js';

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

/** The send time of one message at `perSecond`: its share of the sender's schedule, after every earlier reservation. */
export function reserveSendTime(pacer: SendPacer, perSecond: number, now: Date): Promise<Date> {
  return pacer.reserve(1 / perSecond, now);
}

/**
 * A paced job the queue delivered before its time (its wait was longer than the queue can hold) goes back on the queue
 * for the rest; true when it did, and the job must not be done now.
 */
export async function requeueIfEarly(
  jobQueue: JobQueue,
  job: DirectoryJob & { notBefore: string },
  now: Date,
): Promise<boolean> {
  const notBefore = new Date(job.notBefore);
  if (notBefore.getTime() - now.getTime() < 1000) return false;
  await jobQueue.enqueue(job, { delaySeconds: queueDelayFor(notBefore, now) });
  return true;
}
