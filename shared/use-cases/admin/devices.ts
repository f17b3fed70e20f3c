import type { Enrollment } from '../../domain/enrollment.js';
import { NotFoundError } from '../../domain/errors.js';
import type { OutboundEmail } from '../../ports/email-sender.js';
import { noticeEmail } from '../../email/notice-email.js';
import { notifyOrLog } from '../messaging/index.js';
import type { AdminDependencies, AdminRequestContext } from './dependencies.js';

/** Revokes one device; returns the user it belonged to. */
export async function revokeDevice(
  deps: AdminDependencies,
  deviceId: string,
  request: AdminRequestContext,
): Promise<{ userGuid: string }> {
  const device = await deps.deviceStore.get(deviceId);
  const now = deps.clock.now();
  if (!device || !(await deps.deviceStore.revoke(deviceId, now))) throw new NotFoundError('No such device.');
  await deps.auditLog.record({
    userGuid: device.userGuid,
    action: 'device.revoked',
    channel: 'admin',
    result: 'success',
    ...request,
    at: now,
  });
  // A lost or stolen phone was cut off: the user hears it on another channel, in case it was not at their request.
  const enrollment = await deps.enrollmentStore.get(device.userGuid);
  if (enrollment) {
    await notifyOrLog(deps.logger, 'device-revoked-email', device.userGuid, () =>
      deps.emailSender.send(deviceRevokedEmail(deps.notices, enrollment, now)),
    );
  }
  return { userGuid: device.userGuid };
}

/** Email notice after an admin revoked a phone; it never holds a key or a password. */
export function deviceRevokedEmail(
  notices: AdminDependencies['notices'],
  to: Pick<Enrollment, 'mail' | 'displayName'>,
  at: Date,
): OutboundEmail {
  return noticeEmail(to.mail, `${notices.productName}: a phone app was removed from your account`, [
    `Hello ${to.displayName},`,
    `Your IT team removed the ${notices.productName} app on your phone from your account on ${at.toUTCString()}. That phone can no longer reset your Windows password or unlock your account.`,
    `If you did not ask for this, contact ${notices.supportContact}.`,
  ]);
}
