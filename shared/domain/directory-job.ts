import { z } from 'zod';

/**
 * Work for the directory worker, as it travels on the queue. Ids only: a job never carries a password or a code.
 * `jobId` is the idempotency key: a job delivered twice is done once.
 */
export const directoryJobSchema = z.discriminatedUnion('kind', [
  z.object({
    /** Put on the queue by the EventBridge schedule (jobId is the event id) or the local scheduler tick. */
    kind: z.literal('lockout-scan'),
    jobId: z.uuid(),
    requestedAt: z.iso.datetime(),
  }),
  z.object({
    kind: z.literal('ping'),
    jobId: z.uuid(),
    requestedAt: z.iso.datetime(),
  }),
  z.object({
    kind: z.enum(['reset', 'unlock']),
    jobId: z.uuid(),
    requestedAt: z.iso.datetime(),
    userGuid: z.uuid(),
    channel: z.enum(['sms', 'app']),
  }),
]);

export type DirectoryJob = z.infer<typeof directoryJobSchema>;
