import { randomUUID } from 'node:crypto';
import {
  CALLER_CODE_MAX_ATTEMPTS,
  CALLER_CODES_PER_USER_PER_HOUR,
  CALLER_CODE_TTL_SECONDS,
  CALLER_VERIFIED_FOR_SECONDS,
  callerCodeSms,
  callerVerifiedNow,
} from '../../domain/caller-verification.js';
import { ForbiddenError, NotFoundError, RateLimitedError, ValidationError } from '../../domain/errors.js';
import { generateSmsCode, hashSecret } from '../../domain/one-time-secrets.js';
import { sendUnlessOptedOut } from '../messaging/index.js';
import type { WorkerAdminReply } from '../../domain/worker-admin-contract.js';
import type { PortalHelpDeskDependencies } from './dependencies.js';
import type { PortalUser } from './session.js';

const codeSchema = /^\d{6}$/;

/** The enrollment a help-desk action may use: set up for SMS with a verified phone. */
async function reachableUser(deps: PortalHelpDeskDependencies, userGuid: string) {
  const enrollment = await deps.enrollmentStore.get(userGuid);
  if (!enrollment) throw new NotFoundError('No such user in Blink.');
  if (enrollment.status !== 'active' || !enrollment.methods.sms || !enrollment.phoneE164) {
    throw new ValidationError('This user has no verified phone in Blink, so the caller cannot be verified by SMS.');
  }
  return { enrollment, phone: enrollment.phoneE164 };
}

/**
 * Verify caller, step 1: texts a fresh code to the user's verified phone (never shown to the technician), replacing
 * any earlier code of this technician for this user.
 */
export async function sendCallerCode(
  deps: PortalHelpDeskDependencies,
  technician: PortalUser,
  userGuid: string,
  requestId: string,
): Promise<{ expiresAt: string }> {
  const { enrollment, phone } = await reachableUser(deps, userGuid);
  const now = deps.clock.now();
  const limit = await deps.rateLimiter.hit(`caller-codes#${userGuid}`, CALLER_CODES_PER_USER_PER_HOUR, 3600);
  if (!limit.allowed) {
    await deps.auditLog.record({
      userGuid,
      action: 'portal.caller-code-sent',
      channel: 'admin',
      result: 'refused',
      reason: 'rate-limited',
      actor: technician.actor,
      requestId,
      at: now,
    });
    throw new RateLimitedError(
      'Too many codes were sent to this user in the last hour. Try again later.',
      limit.retryAfterSeconds,
    );
  }
  const code = generateSmsCode();
  const expiresAt = new Date(now.getTime() + CALLER_CODE_TTL_SECONDS * 1000);
  const key = { userGuid, technicianSubject: technician.subject };
  await deps.callerVerifications.issue(key, {
    hash: hashSecret(await deps.secrets.get('token-hmac-key'), 'caller-verification', code),
    issuedAt: now,
    expiresAt,
  });
  const outcome = await sendUnlessOptedOut(
    deps,
    {
      to: phone,
      body: callerCodeSms(deps.productName, code, technician.name),
      ...(enrollment.senderNumber ? { from: enrollment.senderNumber } : {}),
    },
    now,
  );
  const sent = outcome === 'sent';
  await deps.auditLog.record({
    userGuid,
    action: 'portal.caller-code-sent',
    channel: 'admin',
    result: sent ? 'success' : 'refused',
    ...(sent ? {} : { reason: 'opted-out' }),
    actor: technician.actor,
    requestId,
    at: now,
  });
  if (!sent) throw new ValidationError('This user opted out of text messages (STOP), so no code can be sent.');
  return { expiresAt: expiresAt.toISOString() };
}

/** Verify caller, step 2: the code the caller read back. */
export async function confirmCaller(
  deps: PortalHelpDeskDependencies,
  technician: PortalUser,
  userGuid: string,
  code: string,
  requestId: string,
): Promise<{ verifiedUntil: string }> {
  if (!codeSchema.test(code)) throw new ValidationError('The code has 6 digits.');
  const now = deps.clock.now();
  const verifiedUntil = new Date(now.getTime() + CALLER_VERIFIED_FOR_SECONDS * 1000);
  const key = { userGuid, technicianSubject: technician.subject };
  const check = await deps.callerVerifications.check(
    key,
    hashSecret(await deps.secrets.get('token-hmac-key'), 'caller-verification', code),
    now,
    verifiedUntil,
    CALLER_CODE_MAX_ATTEMPTS,
  );
  await deps.auditLog.record({
    userGuid,
    action: 'portal.caller-verified',
    channel: 'admin',
    result: check === 'verified' ? 'success' : 'refused',
    ...(check === 'verified' ? {} : { reason: check }),
    actor: technician.actor,
    requestId,
    at: now,
  });
  if (check === 'wrong-code') throw new ValidationError('That is not the code. Ask the caller to read it again.');
  if (check === 'no-live-code')
    throw new ValidationError('That code is used up, expired or had too many tries. Send a new one.');
  return { verifiedUntil: verifiedUntil.toISOString() };
}

/**
 * Unlock or reset for a verified caller: a job for the directory worker, exactly as self-service makes it (channel
 * sms: the new password goes to the user's verified phone, never to the technician), marked as the help desk's.
 */
export async function helpDeskAction(
  deps: PortalHelpDeskDependencies,
  technician: PortalUser,
  userGuid: string,
  kind: 'unlock' | 'reset',
  requestId: string,
): Promise<{ jobId: string }> {
  await reachableUser(deps, userGuid);
  const now = deps.clock.now();
  const verifiedUntil = await deps.callerVerifications.verifiedUntil({
    userGuid,
    technicianSubject: technician.subject,
  });
  if (!callerVerifiedNow(verifiedUntil, now)) {
    await deps.auditLog.record({
      userGuid,
      action: `portal.${kind}`,
      channel: 'admin',
      result: 'refused',
      reason: 'caller-not-verified',
      actor: technician.actor,
      requestId,
      at: now,
    });
    throw new ForbiddenError('Verify the caller first: the verification lasts 10 minutes, for you and this user only.');
  }
  const jobId = randomUUID();
  await deps.jobQueue.enqueue({
    kind,
    jobId,
    requestedAt: now.toISOString(),
    userGuid,
    channel: 'sms',
    helpDesk: { actor: technician.actor },
  });
  await deps.auditLog.record({
    userGuid,
    action: `portal.${kind}-requested`,
    channel: 'admin',
    result: 'success',
    actor: technician.actor,
    requestId: jobId,
    at: now,
  });
  return { jobId };
}

/** Until when this technician's verification of this user's caller holds; undefined when it does not now. */
export async function callerVerifiedUntil(
  deps: PortalHelpDeskDependencies,
  technician: PortalUser,
  userGuid: string,
): Promise<Date | undefined> {
  const until = await deps.callerVerifications.verifiedUntil({ userGuid, technicianSubject: technician.subject });
  return callerVerifiedNow(until, deps.clock.now()) ? until : undefined;
}

/**
 * Sends the user a new activation link (the worker looks the account up in AD again and emails it). Only for users
 * who have not completed setup: re-activating an enrolled user would let whoever gets the new link replace their
 * phone, which is no help-desk shortcut to take on a caller's word.
 */
export function resendActivation(
  deps: PortalHelpDeskDependencies,
  technician: PortalUser,
  userGuid: string,
  requestId: string,
): Promise<WorkerAdminReply> {
  return deps.worker.invoke({ action: 'activate', userGuids: [userGuid], requestId, actor: technician.actor });
}
