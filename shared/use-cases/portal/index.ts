import type { PortalDependencies } from './dependencies.js';
import { authenticate, requireCsrfToken, requireRole, signOut, type PortalUser } from './session.js';
import { beginSignIn, completeSignIn } from './sign-in.js';
import { findUsers, userDetail } from './users.js';
import { callerApprovalStatus, requestCallerApproval } from './caller-approval.js';
import { callerVerifiedUntil, confirmCaller, helpDeskAction, resendActivation, sendCallerCode } from './help-desk.js';

export type { PortalDependencies } from './dependencies.js';
export type { PortalUser } from './session.js';
export type { SignInOutcome } from './sign-in.js';
export type { UserDetail, UserSummary } from './users.js';

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
  };
}

export type PortalUseCases = ReturnType<typeof createPortalUseCases>;
