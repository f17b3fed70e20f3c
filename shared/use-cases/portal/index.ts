import type { PortalDependencies } from './dependencies.js';
import type { TargetKind } from '../../domain/worker-admin-contract.js';
import { authenticate, requireCsrfToken, requireRole, signOut, type PortalUser } from './session.js';
import { beginSignIn, completeSignIn } from './sign-in.js';
import { exportUsers, findUsers, userDetail } from './users.js';
import { activateChunk, findActivationTargets, resolveActivationPage } from './activation.js';
import { readGroupCoverage, readReports } from './reports.js';
import { emergencyRecovery } from './emergency.js';
import { callerApprovalStatus, requestCallerApproval } from './caller-approval.js';
import { callerVerifiedUntil, confirmCaller, helpDeskAction, resendActivation, sendCallerCode } from './help-desk.js';

export type { PortalDependencies } from './dependencies.js';
export type { PortalUser } from './session.js';
export type { SignInOutcome } from './sign-in.js';
export type { UserDetail, UserSummary } from './users.js';
export { groupCoverageCsv, reportCsv, REPORT_DAYS_MAX, type GroupCoverage, type Reports } from './reports.js';

/** The admin portal: sign-in through the organisation's identity provider, sessions, and who may do what. */
export function createPortalUseCases(deps: PortalDependencies) {
  return {
    beginSignIn: () => beginSignIn(deps),
    completeSignIn: (request: Parameters<typeof completeSignIn>[1]) => completeSignIn(deps, request),
    authenticate: (sessionId: string | undefined) => authenticate(deps, sessionId),
    requireCsrfToken,
    requireRole,
    signOut: (user: PortalUser, requestId: string) => signOut(deps, user, requestId),
    findUsers: (request: Parameters<typeof findUsers>[1]) => findUsers(deps, request),
    userDetail: (userGuid: string) => userDetail(deps, userGuid),
    exportUsers: (technician: PortalUser, request: Parameters<typeof exportUsers>[2]) =>
      exportUsers(deps, technician, request),
    sendCallerCode: (technician: PortalUser, userGuid: string, requestId: string) =>
      sendCallerCode(deps, technician, userGuid, requestId),
    confirmCaller: (technician: PortalUser, userGuid: string, code: string, requestId: string) =>
      confirmCaller(deps, technician, userGuid, code, requestId),
    resendActivation: (technician: PortalUser, userGuid: string, requestId: string) =>
      resendActivation(deps, technician, userGuid, requestId),
    callerVerifiedUntil: (technician: PortalUser, userGuid: string) => callerVerifiedUntil(deps, technician, userGuid),
    requestCallerApproval: (technician: PortalUser, userGuid: string, requestId: string) =>
      requestCallerApproval(deps, technician, userGuid, requestId),
    callerApprovalStatus: (technician: PortalUser, userGuid: string) =>
      callerApprovalStatus(deps, technician, userGuid),
    helpDeskAction: (technician: PortalUser, userGuid: string, kind: 'unlock' | 'reset', requestId: string) =>
      helpDeskAction(deps, technician, userGuid, kind, requestId),
    findActivationTargets: (kind: TargetKind, text: string, requestId: string) =>
      findActivationTargets(deps, kind, text, requestId),
    resolveActivationPage: (request: Parameters<typeof resolveActivationPage>[1], requestId: string) =>
      resolveActivationPage(deps, request, requestId),
    activateChunk: (admin: PortalUser, request: Parameters<typeof activateChunk>[2], requestId: string) =>
      activateChunk(deps, admin, request, requestId),
    readReports: (days: number) => readReports(deps, days),
    readGroupCoverage: (group: string, requestId: string) => readGroupCoverage(deps, group, requestId),
    emergencyRecovery: (admin: PortalUser, userGuid: string, reason: string, requestId: string) =>
      emergencyRecovery(deps, admin, userGuid, reason, requestId),
  };
}

export type PortalUseCases = ReturnType<typeof createPortalUseCases>;
