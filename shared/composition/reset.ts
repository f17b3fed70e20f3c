import type { EnvOf } from '../config/env.js';
import type { ResetSettings } from '../use-cases/reset/index.js';

/**
 * The reset and unlock jobs' settings, read the same way by the worker Lambda and the local runtime. `leaseSeconds` is
 * the worker's timeout (shared/composition/timeouts.ts): a job's claim outlives any one run of it.
 */
export function resetSettingsFrom(env: EnvOf<'sms' | 'reset' | 'enrollment'>, leaseSeconds: number): ResetSettings {
  const smsFrom = env.SMS_ORIGINATION_IDENTITIES[0];
  return {
    productName: env.PRODUCT_NAME,
    supportContact: env.SUPPORT_CONTACT,
    forceChange: env.RESET_FORCE_CHANGE,
    unlockOnReset: env.RESET_UNLOCK_ON_RESET,
    passwordMinLength: env.PASSWORD_MIN_LENGTH,
    rejectionRetries: env.PASSWORD_REJECTION_RETRIES,
    maxReceiveCount: env.JOB_MAX_RECEIVE_COUNT,
    appResultTtlSeconds: env.APP_RESULT_TTL_SECONDS,
    leaseSeconds,
    replyNumbers: env.SMS_INBOUND_NUMBERS,
    replicationConfirmMs: env.REPLICATION_CONFIRM_SECONDS * 1000,
    ...(smsFrom ? { smsFrom } : {}),
  };
}
