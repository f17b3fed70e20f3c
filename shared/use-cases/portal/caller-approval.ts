import { randomBytes } from 'node:crypto';
import {
  CALLER_APPROVAL_TTL_SECONDS,
  CALLER_CODES_PER_USER_PER_HOUR,
  callerApprovalPush,
  callerVerifiedNow,
  type CallerApprovalState,
} from '../../domain/caller-verification.js';
import { NotFoundError, RateLimitedError, ValidationError } from '../../domain/errors.js';
import type { PortalHelpDeskDependencies } from './dependencies.js';
import type { PortalUser } from './session.js';

/** How long the push waits at the push service for a phone that is offline: no longer than the request lives. */
const APPROVAL_PUSH_TTL_SECONDS = CALLER_APPROVAL_TTL_SECONDS;

/**
 * Verify caller through the app, step 1: an approval request for the user's bound app (issue 12 §3), with the
 * technician's name. It replaces this technician's earlier code or request for the user. The app hears of it by Web
 * Push where it has a subscription, and finds it anyway when it opens (a signed GET lists waiting requests).
 */
export async function requestCallerApproval(
  deps: PortalHelpDeskDependencies,
  technician: PortalUser,
  userGuid: string,
  requestId: string,
): Promise<{ expiresAt: string; notified: number }> {
  const enrollment = await deps.enrollmentStore.get(userGuid);
  if (!enrollment) throw new NotFoundError('No such user in Blink.');
  const devices = (await deps.deviceStore.listForUser(userGuid)).filter((device) => !device.revokedAt);
  if (enrollment.status !== 'active' || devices.length === 0)
    throw new ValidationError('This user has no Blink app linked, so the caller cannot be verified in the app.');
  const now = deps.clock.now();
  const audit = (result: 'success' | 'refused', reason?: string) =>
    deps.auditLog.record({
      userGuid,
      action: 'portal.caller-approval-requested',
      channel: 'admin',
      result,
      ...(reason ? { reason } : {}),
      actor: technician.actor,
      requestId,
      at: now,
    });
  // One hourly budget with the SMS codes: each request is a prompt on the user's phone.
  const limit = await deps.rateLimiter.hit(`caller-codes#${userGuid}`, CALLER_CODES_PER_USER_PER_HOUR, 3600);
  if (!limit.allowed) {
    await audit('refused', 'rate-limited');
    throw new RateLimitedError(
      'Too many verification requests were sent to this user in the last hour. Try again later.',
      limit.retryAfterSeconds,
    );
  }
  const expiresAt = new Date(now.getTime() + CALLER_APPROVAL_TTL_SECONDS * 1000);
  await deps.callerVerifications.requestApproval(
    { userGuid, technicianSubject: technician.subject },
    {
      approvalId: randomBytes(16).toString('base64url'),
      technicianName: technician.name,
      technicianActor: technician.actor,
      issuedAt: now,
      expiresAt,
    },
  );
  let notified = 0;
  const sender = deps.webPushSender;
  for (const device of devices) {
    if (!device.webPush || !sender) continue;
    try {
      await sender.send({
        deviceId: device.deviceId,
        subscription: device.webPush,
        notification: callerApprovalPush(deps.productName, technician.name),
        ttlSeconds: APPROVAL_PUSH_TTL_SECONDS,
        topic: 'caller-approval',
      });
      notified += 1;
    } catch (error) {
      // The request stands: the app lists it when the user opens it, which the technician can ask them to do.
      deps.logger?.warn('caller approval push failed', {
        userGuid,
        deviceId: device.deviceId,
        error: error instanceof Error ? error.name : 'unknown',
      });
    }
  }
  await audit('success');
  return { expiresAt: expiresAt.toISOString(), notified };
}

/** Verify caller through the app, step 2: the technician's page polls until the user answered. */
export async function callerApprovalStatus(
  deps: PortalHelpDeskDependencies,
  technician: PortalUser,
  userGuid: string,
): Promise<{ state: CallerApprovalState; verifiedUntil?: string }> {
  const key = { userGuid, technicianSubject: technician.subject };
  const now = deps.clock.now();
  const state = await deps.callerVerifications.approvalState(key, now);
  if (state !== 'approved') return { state };
  const until = await deps.callerVerifications.verifiedUntil(key);
  // Approved, but the 10 minutes are over: as good as no verification.
  return callerVerifiedNow(until, now) && until ? { state, verifiedUntil: until.toISOString() } : { state: 'expired' };
}
