import type { Logger } from '@aws-lambda-powertools/logger';
import { ineligibilityOf } from '../../domain/account-eligibility.js';
import { AlreadyEnrolledError } from '../../domain/enrollment.js';
import { AmbiguousUserError, DirectoryOperationError, NotFoundError } from '../../domain/errors.js';
import { renderActivationEmail } from '../../email/activation-email.js';
import type { Directory, DirectoryUser } from '../../ports/directory.js';
import type { EmailSender } from '../../ports/email-sender.js';
import { issueActivation, type ActivationDependencies } from '../enrollment/activation.js';
import type {
  ActivateResult,
  ActivationCandidate,
  ActivationTarget,
  ResolveResult,
  SkipReason,
  SkippedUser,
} from './contract.js';

/** Which users have an enrollment (the admin listing reads it; shared/adapters/dynamodb/enrollment-listing.ts). */
export interface EnrollmentRoster {
  add(userGuid: string, at: Date): Promise<void>;
}

export interface AdminActivationDependencies extends ActivationDependencies {
  directory: Directory;
  roster: EnrollmentRoster;
  emailSender: EmailSender;
  logger: Logger;
  branding: { productName: string; supportContact: string };
}

type Verdict = { eligible: ActivationCandidate & { dn: string } } | { skipped: SkipReason };

/**
 * Admin activation on the worker side (the only side that reaches AD): resolve a target to the users who may be
 * activated, and activate users by objectGUID. Both re-read the directory; activation re-checks every user, since
 * minutes may pass between the admin's resolve and activate.
 */
export function createAdminActivation(deps: AdminActivationDependencies) {
  const { directory, logger } = deps;

  /** Why this user may not be activated, or the facts to activate with. */
  const judge = async (user: DirectoryUser, reactivate: boolean): Promise<Verdict> => {
    const ineligible = ineligibilityOf(user, await directory.isProtected(user), deps.clock.now());
    if (ineligible) return { skipped: ineligible };
    const mail = user.mail?.trim();
    if (!mail) return { skipped: 'no-mail' };
    const enrollment = await deps.enrollmentStore.get(user.objectGuid);
    if (enrollment?.status === 'active' && !reactivate) return { skipped: 'already-enrolled' };
    return {
      eligible: {
        userGuid: user.objectGuid,
        dn: user.dn,
        samAccountName: user.samAccountName,
        displayName: user.displayName?.trim() || user.samAccountName,
        mail,
      },
    };
  };

  const refused = async (skipped: SkippedUser, userGuid: string | undefined, requestId: string | undefined) => {
    await deps.auditLog.record({
      ...(userGuid ? { userGuid } : {}),
      action: 'enrollment.activation-refused',
      channel: 'admin',
      result: 'refused',
      reason: skipped.reason,
      ...(requestId ? { requestId } : {}),
      at: deps.clock.now(),
    });
  };

  /** The users a target names, or the reason it names none. */
  const usersOf = async (target: ActivationTarget): Promise<DirectoryUser[] | SkipReason> => {
    try {
      if ('user' in target) {
        const user = target.user.includes('@')
          ? await directory.findUserByUserPrincipalName(target.user)
          : await directory.findUserBySamAccountName(target.user);
        return user ? [user] : 'not-found';
      }
      if ('group' in target) return await directory.listGroupMembers(target.group);
      return await directory.listUsersInOu(target.ou);
    } catch (error) {
      if (error instanceof NotFoundError) return 'not-found';
      if (error instanceof AmbiguousUserError) return 'ambiguous';
      // The LDAP adapter reports a group name matching several groups as an operation error with this wording.
      if (error instanceof DirectoryOperationError && /more than one/i.test(error.message)) return 'ambiguous';
      throw error;
    }
  };

  async function resolve(target: ActivationTarget, requestId?: string, options: { reactivate?: boolean } = {}): Promise<ResolveResult> {
    const users = await usersOf(target);
    const name = 'user' in target ? target.user : 'group' in target ? target.group : target.ou;
    if (typeof users === 'string') {
      logger.info('activation target names no user', { reason: users });
      return { candidates: [], skipped: [{ name, reason: users }] };
    }
    const candidates: ActivationCandidate[] = [];
    const skipped: SkippedUser[] = [];
    for (const user of users) {
      const verdict = await judge(user, options.reactivate === true);
      if ('eligible' in verdict) {
        const { dn: _dn, ...candidate } = verdict.eligible;
        candidates.push(candidate);
      } else skipped.push({ name: user.samAccountName, reason: verdict.skipped });
    }
    logger.info('activation target resolved', { requestId, candidates: candidates.length, skipped: skipped.length });
    return { candidates, skipped };
  }

  async function activate(userGuids: string[], requestId?: string, options: { reactivate?: boolean } = {}): Promise<ActivateResult> {
    const reactivate = options.reactivate === true;
    const activated: ActivationCandidate[] = [];
    const skipped: SkippedUser[] = [];
    for (const userGuid of new Set(userGuids)) {
      let user: DirectoryUser | undefined;
      try {
        user = await directory.findUserByGuid(userGuid);
      } catch (error) {
        if (!(error instanceof AmbiguousUserError)) throw error;
        const entry: SkippedUser = { name: userGuid, reason: 'ambiguous' };
        skipped.push(entry);
        await refused(entry, userGuid, requestId);
        continue;
      }
      const verdict: Verdict = user ? await judge(user, reactivate) : { skipped: 'not-found' };
      if ('skipped' in verdict) {
        const entry: SkippedUser = { name: user?.samAccountName ?? userGuid, reason: verdict.skipped };
        skipped.push(entry);
        await refused(entry, userGuid, requestId);
        continue;
      }
      const { dn, ...candidate } = verdict.eligible;
      let issued;
      try {
        issued = await issueActivation(deps, { ...candidate, dn }, { reactivate, ...(requestId ? { requestId } : {}) });
      } catch (error) {
        // Enrolled between the check and the write (the user finished an earlier setup just now).
        if (!(error instanceof AlreadyEnrolledError)) throw error;
        const entry: SkippedUser = { name: candidate.samAccountName, reason: 'already-enrolled' };
        skipped.push(entry);
        await refused(entry, userGuid, requestId);
        continue;
      }
      await deps.roster.add(userGuid, deps.clock.now());
      // The link comes only from issueActivation (PUBLIC_BASE_URL + fragment); it is never logged.
      const { messageId } = await deps.emailSender.send(
        renderActivationEmail({
          to: candidate.mail,
          displayName: candidate.displayName,
          link: issued.link,
          expiresAt: issued.expiresAt,
          ...deps.branding,
        }),
      );
      logger.info('activation email sent', { requestId, userGuid, messageId });
      activated.push(candidate);
    }
    return { activated, skipped };
  }

  return { resolve, activate };
}

export type AdminActivation = ReturnType<typeof createAdminActivation>;
