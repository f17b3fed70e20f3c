import type { Device } from '../../domain/device.js';
import type { Enrollment } from '../../domain/enrollment.js';
import type { AuditLog } from '../../ports/audit-log.js';
import type { Clock } from '../../ports/clock.js';
import type { DeviceStore } from '../../ports/device-store.js';
import type { EmailSender, OutboundEmail } from '../../ports/email-sender.js';
import { noticeEmail } from '../../email/notice-email.js';
import type { Logger } from '../../ports/logger.js';
import { notifyOrLog } from '../messaging/index.js';

export interface UnlinkDependencies {
  deviceStore: DeviceStore;
  emailSender: EmailSender;
  auditLog: AuditLog;
  clock: Clock;
  logger: Logger;
  settings: { productName: string; supportContact: string };
}

/**
 * "Unlink this phone" in the app: the signed device revokes itself, so the keys left on a phone that is given away
 * or wiped can do nothing more. The user is told by email (an independent channel), in case it was not them.
 */
export async function unlinkDevice(
  deps: UnlinkDependencies,
  { device, enrollment }: { device: Device; enrollment: Enrollment },
  requestId?: string,
): Promise<void> {
  const now = deps.clock.now();
  await deps.deviceStore.revoke(device.deviceId, now);
  await deps.auditLog.record({
    userGuid: enrollment.userGuid,
    action: 'device.unlinked',
    channel: 'app',
    result: 'success',
    ...(requestId ? { requestId } : {}),
    at: now,
  });
  deps.logger.info('device unlinked', { userGuid: enrollment.userGuid, deviceId: device.deviceId });
  await notifyOrLog(deps.logger, 'device-unlinked-email', enrollment.userGuid, () =>
    deps.emailSender.send(deviceUnlinkedEmail(deps.settings, enrollment, now)),
  );
}

/** Email notice after the app unlinked itself; it never holds a key or a password. */
export function deviceUnlinkedEmail(
  settings: UnlinkDependencies['settings'],
  to: Pick<Enrollment, 'mail' | 'displayName'>,
  at: Date,
): OutboundEmail {
  const paragraphs = [
    `Hello ${to.displayName},`,
    `The ${settings.productName} app was unlinked from your account on ${at.toUTCString()}. It can no longer reset your Windows password or unlock your account.`,
    `If this was not you, contact ${settings.supportContact} right away.`,
  ];
  return noticeEmail(to.mail, `${settings.productName}: a phone app was unlinked from your account`, paragraphs);
}
