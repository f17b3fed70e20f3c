import type { JobHandlers } from '../../functions/directory-worker/handler.js';

/** The worker's job handlers for a test: the ones given, every other kind throws (a job the test did not expect). */
export function jobHandlersWith(jobs: Partial<JobHandlers>): JobHandlers {
  const refuse = async () => {
    throw new Error('unexpected job kind');
  };
  return {
    ping: refuse,
    'lockout-scan': refuse,
    reset: refuse,
    unlock: refuse,
    'password-expiry-scan': refuse,
    'lockout-alert': refuse,
    'expiry-reminder-sms': refuse,
    ...jobs,
  };
}
