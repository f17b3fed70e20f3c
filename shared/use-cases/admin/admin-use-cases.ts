import type { WorkerAdminReply, WorkerAdminRequest } from '../../domain/worker-admin-contract.js';
import type { AdminDependencies, AdminRequestContext } from './dependencies.js';
import { revokeDevice } from './devices.js';
import { backfillCoverage } from './report-backfill.js';
import { auditTrail, listEnrollments, revokeEnrollment } from './enrollments.js';

/**
 * What an administrator can do. Work that needs AD (resolving users, activations, the locked list) goes to the
 * directory worker, the only part that reaches AD; enrollments, devices and the audit trail are read and changed here.
 */
export function createAdminUseCases(deps: AdminDependencies) {
  return {
    askDirectoryWorker: (request: WorkerAdminRequest): Promise<WorkerAdminReply> => deps.worker.invoke(request),
    listEnrollments: () => listEnrollments(deps),
    revokeEnrollment: (userGuid: string, request: AdminRequestContext) => revokeEnrollment(deps, userGuid, request),
    auditTrail: (userGuid: string, limit: number) => auditTrail(deps, userGuid, limit),
    revokeDevice: (deviceId: string, request: AdminRequestContext) => revokeDevice(deps, deviceId, request),
    backfillCoverage: (after: string | undefined) => backfillCoverage(deps, after),
  };
}

export type AdminUseCases = ReturnType<typeof createAdminUseCases>;
