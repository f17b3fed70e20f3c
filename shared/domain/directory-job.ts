import * as z from 'zod';

const jobBase = { jobId: z.uuid(), requestedAt: z.iso.datetime() };
const accountJobBase = { ...jobBase, userGuid: z.uuid(), channel: z.enum(['sms', 'app']) };

/**
 * Work for the directory worker, as it travels on the queue. Ids only: a job never carries a password or a code.
 * `jobId` is the idempotency key: a job delivered twice is done once.
 */
export const directoryJobSchema = z.discriminatedUnion('kind', [
  /** Put on the queue by the EventBridge schedule (jobId is the event id) or the local scheduler tick. */
  z.object({ kind: z.literal('lockout-scan'), ...jobBase }),
  /** Checks that a DC answers with the configured bind credential. */
  z.object({ kind: z.literal('ping'), ...jobBase }),
  z.object({ kind: z.literal('reset'), ...accountJobBase }),
  z.object({ kind: z.literal('unlock'), ...accountJobBase }),
]);

export type DirectoryJob = z.infer<typeof directoryJobSchema>;
