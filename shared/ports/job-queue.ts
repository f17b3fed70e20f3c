import type { DirectoryJob } from '../domain/directory-job.js';

/** Queue of work for the directory worker. Jobs carry ids only, never a secret. */
export interface JobQueue {
  enqueue(job: DirectoryJob): Promise<void>;
}
