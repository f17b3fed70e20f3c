import type { DirectoryJob } from '../domain/directory-job.js';

/** Queue of work for the directory worker. Jobs carry ids only, never a secret. */
export interface JobQueue {
  /** `delaySeconds` (at most 900) holds the job back before the worker can receive it: paced alerts. */
  enqueue(job: DirectoryJob, options?: { delaySeconds?: number }): Promise<void>;
}
