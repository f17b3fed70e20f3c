import { NotFoundError, ValidationError } from '../../domain/errors.js';
import type { Enrollment } from '../../domain/enrollment.js';
import type { OutboundEmail } from '../../ports/email-sender.js';
import { noticeEmail } from '../../email/notice-email.js';
import { revokeEnrollment } from '../admin/enrollments.js';
import type { PortalHelpDeskDependencies } from './dependencies.js';
import { requireRole, type PortalUser } from './session.js';

/** The reason an Admin gives for acting without the caller's phone: one line, long enough to mean something. */
export const EMERGENCY_REASON_MIN = 10;
export const EMERGENCY_REASON_MAX = 500;

export interface EmergencyRecoveryResult {
  revokedDevices: string[];
  /** Whether the worker emailed a new activation link (it refuses a disabled or protected account, as always). */
  activationSent: boolean;
}

/**
 * The emergency path for a caller who lost their phone (issue 12 §3): an Admin, with a reason, and without the
 * caller's verification, cuts the lost phone off and restores self-service, instead of handing out a password.
 *
 * 1. The operators hear of it first (the alarm topic): if they cannot be told, nothing happens (fail closed).
 * 2. The user's enrollment, its phone and every bound app are revoked: a lost phone in someone else's hands can no
 *    longer reset or unlock.
 * 3. A new activation link goes to the user's own mailbox (the worker reads the address from AD), so the user sets
 *    Blink up on their new phone; from there unlock and reset are self-service, and the new password goes to that
 *    phone only.
 * 4. The user gets a notice by email naming the Admin and the reason.
 *
 * No password exists in this path: the technician never sees one, and an Admin account in an attacker's hands can
 * neither read one nor receive the link; what it can do (revoke a phone) is loud: alarm topic, email, audit.
 */
export async function emergencyRecovery(
  deps: PortalHelpDeskDependencies,
  admin: PortalUser,
  userGuid: string,
  reasonText: string,
  requestId: string,
): Promise<EmergencyRecoveryResult> {
  requireRole(admin, 'admin');
  const reason = reasonText.replace(/\s+/g, ' ').trim();
  if (reason.length < EMERGENCY_REASON_MIN || reason.length > EMERGENCY_REASON_MAX) {
    throw new ValidationError(
      `Give the reason in ${EMERGENCY_REASON_MIN} to ${EMERGENCY_REASON_MAX} characters: it is audited and sent to the operators.`,
    );
  }
  const enrollment = await deps.enrollmentStore.get(userGuid);
  if (!enrollment) throw new NotFoundError('No such user in Blink.');
  const now = deps.clock.now();
  const who = `${enrollment.samAccountName} (${userGuid})`;

  await deps.alerts.alert({
    subject: `${deps.productName}: emergency help-desk action on ${enrollment.samAccountName}`,
    message: [
      `${admin.name} (${admin.actor}) used the emergency path for ${who} at ${now.toISOString()}, without verifying the caller.`,
      `Reason given: ${reason}`,
      "Blink revokes the user's phone and apps and emails the user a new activation link. If this was not expected, check the Admin's account.",
    ].join('\n'),
  });
  await deps.auditLog.record({
    userGuid,
    action: 'portal.emergency',
    channel: 'admin',
    result: 'success',
    reason,
    actor: admin.actor,
    requestId,
    at: now,
  });
  const revokedDevices = await revokeEnrollment(deps, userGuid, { requestId, actor: admin.actor });
  const reply = await deps.worker.invoke({
    action: 'activate',
    userGuids: [userGuid],
    reactivate: true,
    requestId,
    actor: admin.actor,
  });
  const activationSent = reply.ok && 'activated' in reply.result && reply.result.activated.length === 1;
  await deps.emailSender.send(emergencyNoticeEmail(deps, enrollment, { adminName: admin.name, reason, at: now }));
  return { revokedDevices, activationSent };
}

/** The user's notice: who acted, why, what changed, what to do if it was not them. Never a link or a password. */
export function emergencyNoticeEmail(
  notices: { productName: string; supportContact: string },
  to: Pick<Enrollment, 'mail' | 'displayName'>,
  action: { adminName: string; reason: string; at: Date },
): OutboundEmail {
  return noticeEmail(to.mail, `${notices.productName}: your help desk removed your phone from your account`, [
    `Hello ${to.displayName},`,
    `On ${action.at.toUTCString()} your help desk (${action.adminName}) removed your phone and the ${notices.productName} app from your account, without the usual check on your phone, for this reason: ${action.reason}`,
    `That phone can no longer reset your Windows password or unlock your account. A separate email brings a link to set up ${notices.productName} on your new phone.`,
    `If you did not ask for this, contact ${notices.supportContact} at once.`,
  ]);
}
