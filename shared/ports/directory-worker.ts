import type { WorkerAdminReply, WorkerAdminRequest } from '../domain/worker-admin-contract.js';

/** How the admin API reaches the directory worker: a synchronous Lambda invocation deployed, a function call locally. */
export interface WorkerInvoker {
  invoke(request: WorkerAdminRequest): Promise<WorkerAdminReply>;
}
