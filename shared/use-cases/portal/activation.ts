import type { ActivationTarget, TargetKind, WorkerAdminReply } from '../../domain/worker-admin-contract.js';
import type { WorkerInvoker } from '../../ports/directory-worker.js';
import type { PortalUser } from './session.js';

/**
 * The Activate page: the same resolve pages and activation chunks as `npm run admin -- activate`, through the same
 * directory worker, with the admin's IdP subject and name as the actor of every activation's audit event.
 */
export interface PortalActivationDependencies {
  worker: WorkerInvoker;
}

export function findActivationTargets(
  deps: PortalActivationDependencies,
  kind: TargetKind,
  text: string,
  requestId: string,
): Promise<WorkerAdminReply> {
  return deps.worker.invoke({ action: 'find-targets', kind, text, requestId });
}

/** One page of the dry run: who would get an email and why each other is skipped (nothing is sent or written). */
export function resolveActivationPage(
  deps: PortalActivationDependencies,
  request: { target: ActivationTarget; reactivate?: boolean; cursor?: string },
  requestId: string,
): Promise<WorkerAdminReply> {
  return deps.worker.invoke({ action: 'resolve', ...request, requestId });
}

/** One chunk of the run (at most ACTIVATION_CHUNK_SIZE users): the worker checks each user again before sending. */
export function activateChunk(
  deps: PortalActivationDependencies,
  admin: PortalUser,
  request: { userGuids: string[]; reactivate?: boolean },
  requestId: string,
): Promise<WorkerAdminReply> {
  return deps.worker.invoke({ action: 'activate', ...request, requestId, actor: admin.actor });
}
