import { randomUUID } from 'node:crypto';
import type { Device } from '../../domain/device.js';
import type { DirectoryJob } from '../../domain/directory-job.js';
import type { Enrollment } from '../../domain/enrollment.js';
import { RateLimitedError } from '../../domain/errors.js';
import type { AuditLog } from '../../ports/audit-log.js';
import type { Clock } from '../../ports/clock.js';
import type { JobQueue } from '../../ports/job-queue.js';
import type { AppRequestResult, AppRequestResults } from '../../ports/password-delivery.js';
import type { RateLimiter } from '../../ports/rate-limiter.js';
import type { Logger } from '../../ports/logger.js';

/** Per-account limits on resets and unlocks, shared by every channel (docs/design/reset.md). */
export interface ResetLimits {
  resetsPerHour: number;
  resetsPerDay: number;
}

/**
 * Rate-limiter keys of the per-account reset limits. SMS and app requests count against the same keys, so a user
 * cannot get twice the limit by using both channels.
 */
export const resetLimitKeys = {
  hour: (userGuid: string) => `resets-hour#${userGuid}`,
  day: (userGuid: string) => `resets-day#${userGuid}`,
};

/**
 * Counts one reset or unlock request against the user's hourly and daily limits. Refused → RateLimitedError with the
 * wait until the limit that refused resets.
 */
export async function hitResetLimits(rateLimiter: RateLimiter, userGuid: string, limits: ResetLimits): Promise<void> {
  const hour = await rateLimiter.hit(resetLimitKeys.hour(userGuid), limits.resetsPerHour, 3600);
  if (!hour.allowed) throw new RateLimitedError(tooManyMessage(hour.retryAfterSeconds), hour.retryAfterSeconds);
  const day = await rateLimiter.hit(resetLimitKeys.day(userGuid), limits.resetsPerDay, 86_400);
  if (!day.allowed) throw new RateLimitedError(tooManyMessage(day.retryAfterSeconds), day.retryAfterSeconds);
}

function tooManyMessage(retryAfterSeconds: number): string {
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  const wait = minutes >= 120 ? `${Math.ceil(minutes / 60)} hours` : `${minutes} minute${minutes === 1 ? '' : 's'}`;
  return `Too many password requests for this account. Try again in ${wait}.`;
}

export interface AppRequestDependencies {
  passwordDelivery: AppRequestResults;
  jobQueue: JobQueue;
  rateLimiter: RateLimiter;
  auditLog: AuditLog;
  clock: Clock;
  logger: Logger;
  settings: ResetLimits & {
    /** How long the request's answer waits to be fetched (APP_RESULT_TTL_SECONDS). */
    appResultTtlSeconds: number;
  };
}

/** A device request that passed the signature check (DeviceUseCases.authenticate). */
export interface AuthenticatedDevice {
  device: Device;
  enrollment: Enrollment;
}

export type AppRequestKind = 'reset' | 'unlock';

/**
 * Reset and unlock asked from the app: the api function opens the answer slot and queues a job with ids only; the
 * directory worker does the AD write and leaves the answer (a JWE for a password) for the device to fetch once.
 */
export function createAppRequestUseCases(deps: AppRequestDependencies) {
  const { passwordDelivery, jobQueue, clock, logger, settings } = deps;

  return {
    /** Returns the request id (the job id) the device polls. */
    async request(
      kind: AppRequestKind,
      { device, enrollment }: AuthenticatedDevice,
      httpRequestId?: string,
    ): Promise<{ requestId: string }> {
      const now = clock.now();
      try {
        await hitResetLimits(deps.rateLimiter, enrollment.userGuid, settings);
      } catch (error) {
        if (error instanceof RateLimitedError) {
          await deps.auditLog.record({
            userGuid: enrollment.userGuid,
            action: `${kind}-requested`,
            channel: 'app',
            result: 'refused',
            reason: 'rate-limited',
            ...(httpRequestId ? { requestId: httpRequestId } : {}),
            at: now,
          });
          logger.info('app request refused', {
            kind,
            reason: 'rate-limited',
            userGuid: enrollment.userGuid,
            deviceId: device.deviceId,
          });
        }
        throw error;
      }

      const jobId = randomUUID();
      const recipient = { jobId, deviceId: device.deviceId, userGuid: enrollment.userGuid };
      const expiresAt = new Date(now.getTime() + settings.appResultTtlSeconds * 1000);
      // The answer slot exists before the job does, so the worker always finds it.
      await passwordDelivery.open(recipient, expiresAt);
      const job: DirectoryJob = {
        kind,
        jobId,
        requestedAt: now.toISOString(),
        userGuid: enrollment.userGuid,
        channel: 'app',
        deviceId: device.deviceId,
      };
      try {
        await jobQueue.enqueue(job);
      } catch (error) {
        // Nothing will answer a job that was never queued: say so to the polling device instead of leaving it pending.
        await passwordDelivery
          .deliverOutcome(
            recipient,
            { state: 'failed', message: 'Blink could not take your request. Try again later.' },
            expiresAt,
          )
          .catch(() => undefined);
        throw error;
      }
      await deps.auditLog.record({
        userGuid: enrollment.userGuid,
        action: `${kind}-requested`,
        channel: 'app',
        result: 'success',
        requestId: jobId,
        at: now,
      });
      logger.info('app request queued', { kind, jobId, userGuid: enrollment.userGuid, deviceId: device.deviceId });
      return { requestId: jobId };
    },

    /**
     * The answer to one of the device's own requests; undefined for an unknown request or another device's (the
     * route gives both the same 404). A password-ready answer is handed out once.
     */
    async result(requestId: string, { device }: AuthenticatedDevice): Promise<AppRequestResult | undefined> {
      const result = await passwordDelivery.take(requestId, device.deviceId, clock.now());
      if (result?.state === 'password-ready')
        logger.info('app password fetched', { jobId: requestId, deviceId: device.deviceId });
      return result;
    },
  };
}

export type AppRequestUseCases = ReturnType<typeof createAppRequestUseCases>;
