import {
  CALLER_VERIFIED_FOR_SECONDS,
  type CallerApprovalAnswer,
  type PendingCallerApproval,
} from '../../domain/caller-verification.js';
import type { AuditLog } from '../../ports/audit-log.js';
import type { CallerVerificationStore } from '../../ports/caller-verifications.js';
import type { Clock } from '../../ports/clock.js';
import type { AuthenticatedDevice } from './app-request-use-cases.js';

export interface CallerApprovalDependencies {
  callerVerifications: Pick<CallerVerificationStore, 'pendingApprovals' | 'answerApproval'>;
  auditLog: AuditLog;
  clock: Clock;
}

/**
 * The app's side of a help desk's caller verification (issue 12 §3): the signed device lists the requests waiting for
 * its user and answers one. Approve verifies the technician who asked, for this user, for CALLER_VERIFIED_FOR_SECONDS,
 * exactly as a code read back does; deny ends the request. Each request is answered once: a replayed or late answer,
 * another user's request and an unknown id all get the same "no such request".
 */
export function createCallerApprovalUseCases(deps: CallerApprovalDependencies) {
  return {
    pending({ device }: AuthenticatedDevice): Promise<PendingCallerApproval[]> {
      return deps.callerVerifications.pendingApprovals(device.userGuid, deps.clock.now());
    },

    async answer(
      { device }: AuthenticatedDevice,
      approvalId: string,
      answer: CallerApprovalAnswer,
      requestId?: string,
    ): Promise<'approved' | 'denied' | undefined> {
      const now = deps.clock.now();
      const verifiedUntil = new Date(now.getTime() + CALLER_VERIFIED_FOR_SECONDS * 1000);
      const answered = await deps.callerVerifications.answerApproval(
        device.userGuid,
        approvalId,
        answer,
        now,
        verifiedUntil,
      );
      const outcome = answered ? (answer === 'approve' ? 'approved' : 'denied') : undefined;
      await deps.auditLog.record({
        userGuid: device.userGuid,
        action: 'caller-approval-answered',
        channel: 'app',
        result: outcome ? 'success' : 'refused',
        reason: outcome ?? `${answer}: no live request`,
        // The technician the answer was for: the user's timeline shows who asked.
        ...(answered ? { actor: answered.technicianActor } : {}),
        ...(requestId ? { requestId } : {}),
        at: now,
      });
      return outcome;
    },
  };
}

export type CallerApprovalUseCases = ReturnType<typeof createCallerApprovalUseCases>;
