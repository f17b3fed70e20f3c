import { NotFoundError } from '../../domain/errors.js';
import type { AdminDependencies, AdminRequestContext } from './dependencies.js';

/** Revokes one device; returns the user it belonged to. */
export async function revokeDevice(deps: AdminDependencies, deviceId: string, request: AdminRequestContext): Promise<{ userGuid: string }> {
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
  return { userGuid: device.userGuid };
}
