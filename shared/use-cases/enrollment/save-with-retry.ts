import { ConcurrentUpdateError } from '../../domain/errors.js';

/** How often a read-change-save of an enrollment is tried before a concurrent update is passed on. */
export const SAVE_ATTEMPTS = 5;

/**
 * Optimistic concurrency: runs `readChangeSave` (read the enrollment, change it, save it on the version read) again
 * when the save lost to another writer, up to SAVE_ATTEMPTS times. Any other error, or the last conflict, is thrown.
 */
export async function retryOnConcurrentUpdate<T>(readChangeSave: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await readChangeSave();
    } catch (error) {
      if (error instanceof ConcurrentUpdateError && attempt < SAVE_ATTEMPTS) continue;
      throw error;
    }
  }
}
