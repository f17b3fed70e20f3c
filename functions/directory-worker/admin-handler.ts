import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import type { Observability } from '../../shared/observability/powertools.js';
import { observedHandler } from '../../shared/observability/handler-chain.js';
import { DomainError, ValidationError } from '../../shared/domain/errors.js';
import type { AdminActivation } from '../../shared/use-cases/activation/index.js';
import {
  TARGET_SEARCH_LIMIT,
  workerAdminRequestSchema,
  type WorkerAdminReply,
  type WorkerAdminRequest,
} from '../../shared/domain/worker-admin-contract.js';
import type { LockoutWatch } from '../../shared/use-cases/lockout/index.js';
import type { DirectoryTargets } from '../../shared/ports/directory-targets.js';

export interface DirectoryWorkerAdminDependencies {
  observability: Observability;
  activation: AdminActivation;
  /** The admin listing of locked users; without it the `locked` action answers NOT_AVAILABLE. */
  lockout?: Pick<LockoutWatch, 'listLocked'>;
  /** The portal's target picker and group members; without it those actions answer NOT_AVAILABLE. */
  targets?: DirectoryTargets;
}

/** A direct invocation by the admin API (deployed) or the local runtime: `{ "admin": { "action": … } }`. */
export const adminInvocationSchema = z.strictObject({ admin: z.unknown() });
export type AdminInvocation = z.infer<typeof adminInvocationSchema>;

/**
 * The worker's admin entry: synchronous requests that need AD (resolve a target, activate users). It answers with a
 * result or a named failure, never throws for an expected refusal, and never returns a stack trace or a secret.
 */
export function createDirectoryWorkerAdminHandler({
  observability,
  activation,
  lockout,
  targets,
}: DirectoryWorkerAdminDependencies) {
  const { logger, metrics } = observability;

  const perform = (request: WorkerAdminRequest) => {
    switch (request.action) {
      case 'resolve':
        return activation.resolve(request.target, request.requestId, {
          reactivate: request.reactivate === true,
          ...(request.cursor !== undefined ? { cursor: request.cursor } : {}),
          ...(request.pageSize !== undefined ? { pageSize: request.pageSize } : {}),
        });
      case 'activate':
        return activation.activate(request.userGuids, request.requestId, {
          reactivate: request.reactivate === true,
          ...(request.actor ? { actor: request.actor } : {}),
        });
      case 'locked':
        if (!lockout) throw new NotAvailableError('The lockout listing is not configured in this worker.');
        return lockout.listLocked();
      case 'find-targets':
        if (!targets) throw new NotAvailableError('The target picker is not configured in this worker.');
        return targets
          .findActivationTargets(request.kind, request.text, TARGET_SEARCH_LIMIT)
          .then((options) => ({ options }));
      case 'group-members':
        if (!targets) throw new NotAvailableError('Group members are not configured in this worker.');
        return targets.listGroupMemberGuids(request.group).then((userGuids) => ({ userGuids }));
    }
  };

  const handle = async (event: AdminInvocation): Promise<WorkerAdminReply> => {
    const parsed = workerAdminRequestSchema.safeParse(event.admin);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'admin'}: ${issue.message}`);
      logger.info('admin request refused', { issues });
      return { ok: false, error: { code: 'VALIDATION_FAILED', message: 'Invalid admin request.', issues } };
    }
    const request = parsed.data;
    logger.appendKeys({
      adminAction: request.action,
      ...(request.requestId ? { adminRequestId: request.requestId } : {}),
    });
    try {
      const result = await perform(request);
      metrics.addMetric(`Admin_${request.action}_Succeeded`, MetricUnit.Count, 1);
      return { ok: true, result };
    } catch (error) {
      metrics.addMetric(`Admin_${request.action}_Failed`, MetricUnit.Count, 1);
      if (error instanceof DomainError) {
        // (`message` is a reserved key of the logger: the error's own words go in `reason`.)
        logger.warn('admin request failed', { code: error.code, reason: error.message });
        return { ok: false, error: { code: error.code, message: error.message } };
      }
      logger.error('admin request failed', error instanceof Error ? error : String(error));
      return { ok: false, error: { code: 'INTERNAL', message: 'The directory worker failed; see its logs.' } };
    } finally {
      logger.removeKeys(['adminAction', 'adminRequestId']);
    }
  };

  return observedHandler<AdminInvocation, WorkerAdminReply>(handle, observability);
}

/** An admin action this worker was built without. */
class NotAvailableError extends DomainError {
  readonly code = 'NOT_AVAILABLE';
}

const sqsEventSchema = z.looseObject({
  Records: z.array(z.looseObject({ eventSource: z.literal('aws:sqs') })).min(1),
});

type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
type AdminHandler = (event: AdminInvocation, context: Context) => Promise<WorkerAdminReply>;

/**
 * The worker Lambda receives two kinds of event: SQS batches (jobs) and direct admin invocations. This picks the
 * handler by the event's shape; anything else is refused before either handler sees it.
 */
export function dispatchWorkerEvent(handlers: { jobs: SqsHandler; admin: AdminHandler }) {
  return async (event: unknown, context: Context): Promise<SQSBatchResponse | WorkerAdminReply> => {
    const admin = adminInvocationSchema.safeParse(event);
    if (admin.success) return handlers.admin(admin.data, context);
    if (sqsEventSchema.safeParse(event).success) return handlers.jobs(event as SQSEvent, context);
    throw new ValidationError('the directory worker accepts SQS batches and {"admin": …} invocations only');
  };
}
