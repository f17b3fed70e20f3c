import { randomBytes } from 'node:crypto';
import type { Device } from '../../domain/device.js';
import type { Enrollment } from '../../domain/enrollment.js';
import { NotFoundError } from '../../domain/errors.js';
import type { AuditEvent } from '../../ports/audit-log.js';
import { retryOnConcurrentUpdate } from '../enrollment/save-with-retry.js';
import type { AdminDependencies, AdminRequestContext } from './dependencies.js';

export interface EnrollmentWithDevices {
  enrollment: Enrollment;
  devices: Device[];
}

/** Every enrollment with the user's devices, ordered by account name. */
export async function listEnrollments(deps: AdminDependencies): Promise<EnrollmentWithDevices[]> {
  const enrollments = await mapInBatches(await deps.listEnrolledUsers(), 10, (userGuid) =>
    deps.enrollmentStore.get(userGuid),
  );
  const listed = enrollments
    .filter((enrollment): enrollment is Enrollment => enrollment !== undefined)
    .sort((a, b) => a.samAccountName.localeCompare(b.samAccountName));
  return mapInBatches(listed, 10, async (enrollment) => ({
    enrollment,
    devices: await deps.deviceStore.listForUser(enrollment.userGuid),
  }));
}

/**
 * Revokes the enrollment (no more resets by SMS or app), every device of the user, and any outstanding activation
 * link (superseded by an unknown, already expired one). Returns the ids of the devices revoked now.
 */
export async function revokeEnrollment(
  deps: Pick<AdminDependencies, 'enrollmentStore' | 'deviceStore' | 'auditLog' | 'clock'>,
  userGuid: string,
  request: AdminRequestContext,
): Promise<string[]> {
  const now = await retryOnConcurrentUpdate(async () => {
    const enrollment = await deps.enrollmentStore.get(userGuid);
    if (!enrollment) throw new NotFoundError('No such enrollment.');
    const revokedAt = deps.clock.now();
    await deps.enrollmentStore.save(
      { ...enrollment, status: 'revoked', methods: { sms: false, app: false }, updatedAt: revokedAt },
      enrollment.version,
    );
    return revokedAt;
  });
  // Nobody knows this value and it is already expired: the old link stops working, and nothing new works.
  await deps.enrollmentStore.putSecret({
    purpose: 'activation',
    hash: randomBytes(32).toString('hex'),
    userGuid,
    issuedAt: now,
    expiresAt: now,
  });
  const revoked: string[] = [];
  for (const device of await deps.deviceStore.listForUser(userGuid)) {
    if (device.revokedAt) continue;
    if (await deps.deviceStore.revoke(device.deviceId, now)) revoked.push(device.deviceId);
  }
  await deps.auditLog.record({
    userGuid,
    action: 'enrollment.revoked',
    channel: 'admin',
    result: 'success',
    ...request,
    at: now,
  });
  return revoked;
}

/** A user's audit events, newest first. */
export function auditTrail(deps: AdminDependencies, userGuid: string, limit: number): Promise<AuditEvent[]> {
  return deps.auditLog.listForUser(userGuid, limit);
}

/**
 * An audit event as the admin API and the portal's timeline show it (JSON, absent fields left out); the portal's
 * timeline does not show the request id (`requestId: false`).
 */
export function auditEventView(audit: AuditEvent, show: { requestId: boolean } = { requestId: true }) {
  return {
    at: audit.at.toISOString(),
    action: audit.action,
    channel: audit.channel,
    result: audit.result,
    ...(audit.reason !== undefined ? { reason: audit.reason } : {}),
    ...(show.requestId && audit.requestId !== undefined ? { requestId: audit.requestId } : {}),
    ...(audit.actor !== undefined ? { actor: audit.actor } : {}),
  };
}

/** Maps with at most `size` calls in flight, keeping the order. */
async function mapInBatches<T, R>(items: T[], size: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size)
    results.push(...(await Promise.all(items.slice(start, start + size).map(map))));
  return results;
}
