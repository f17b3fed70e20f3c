import type { Logger } from '../../ports/logger.js';
import { ineligibilityOf } from '../../domain/account-eligibility.js';
import { AlreadyEnrolledError } from '../../domain/enrollment.js';
import { AmbiguousUserError, DirectoryOperationError, NotFoundError, ValidationError } from '../../domain/errors.js';
import { renderActivationEmail } from '../../email/activation-email.js';
import type { Directory, DirectoryUser } from '../../ports/directory.js';
import type { EmailSender } from '../../ports/email-sender.js';
import { issueActivation, type ActivationDependencies } from '../enrollment/index.js';
import {
  decodeResolveCursor,
  encodeResolveCursor,
  RESOLVE_PAGE_SIZE_DEFAULT,
  RESOLVE_PAGE_SIZE_MAX,
  type ActivateResult,
  type ActivationCandidate,
  type ActivationTarget,
  type ResolveResult,
  type SkipReason,
  type SkippedUser,
} from '../../domain/worker-admin-contract.js';
import type { EnrollmentRoster } from '../../ports/enrollment-roster.js';

export interface AdminActivationDependencies extends ActivationDependencies {
  directory: Directory;
  roster: Pick<EnrollmentRoster, 'add'>;
  emailSender: EmailSender;
  logger: Logger;
  branding: { productName: string; supportContact: string };
  /**
   * A resolve page stops judging once this many milliseconds have passed (and answers a cursor to go on from), so it
   * ends well inside the admin API's 29 s even when the directory answers slowly. Default 20 s.
   */
  resolveTimeBudgetMs?: number;
}

export interface ResolveOptions {
  reactivate?: boolean;
  /** A `nextCursor` of an earlier answer for the same target. */
  cursor?: string;
  pageSize?: number;
}

/** Users judged at once in a resolve page: each needs an LDAP query and a DynamoDB read, mostly waiting. */
const JUDGE_CONCURRENCY = 8;
const RESOLVE_TIME_BUDGET_MS = 20_000;

/** `replacesEarlier`: the user holds an earlier link (pending, or setup done) that this activation supersedes. */
type Verdict =
  | { eligible: ActivationCandidate & { dn: string }; replacesEarlier: 'pending-link' | 'completed-setup' | undefined }
  | { skipped: SkipReason };

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
        ...(user.userPrincipalName ? { userPrincipalName: user.userPrincipalName } : {}),
        mail,
      },
      replacesEarlier:
        enrollment?.status === 'activated'
          ? 'pending-link'
          : enrollment?.status === 'active'
            ? 'completed-setup'
            : undefined,
    };
  };

  const refused = async (
    skipped: SkippedUser,
    userGuid: string | undefined,
    requestId: string | undefined,
    actor?: string,
  ) => {
    await deps.auditLog.record({
      ...(actor ? { actor } : {}),
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

  /**
   * One page of a target: lists the target's users (one paged LDAP search), orders them by objectGUID and judges the
   * page after the cursor. Answers `nextCursor` while users remain, so a target of thousands takes several calls.
   */
  async function resolve(
    target: ActivationTarget,
    requestId?: string,
    options: ResolveOptions = {},
  ): Promise<ResolveResult> {
    const startedAt = deps.clock.now().getTime();
    const after = options.cursor === undefined ? undefined : decodeResolveCursor(options.cursor);
    if (options.cursor !== undefined && after === undefined) {
      throw new ValidationError('Invalid request: cursor: must be a nextCursor from an earlier resolve answer', [
        'cursor: must be a nextCursor from an earlier resolve answer',
      ]);
    }
    const pageSize = Math.min(
      Math.max(1, Math.trunc(options.pageSize ?? RESOLVE_PAGE_SIZE_DEFAULT)),
      RESOLVE_PAGE_SIZE_MAX,
    );
    const users = await usersOf(target);
    const name = 'user' in target ? target.user : 'group' in target ? target.group : target.ou;
    if (typeof users === 'string') {
      logger.info('activation target names no user', { reason: users });
      return { candidates: [], skipped: [{ name, reason: users }], total: 0 };
    }
    const ordered = users
      .map((user) => ({ user, key: user.objectGuid.toLowerCase() }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const remaining = after === undefined ? ordered : ordered.filter(({ key }) => key > after);
    const page = remaining.slice(0, pageSize);

    const candidates: ActivationCandidate[] = [];
    const skipped: SkippedUser[] = [];
    const budgetMs = deps.resolveTimeBudgetMs ?? RESOLVE_TIME_BUDGET_MS;
    let judged = 0;
    while (judged < page.length) {
      const batch = page.slice(judged, judged + JUDGE_CONCURRENCY);
      const verdicts = await Promise.all(batch.map(({ user }) => judge(user, options.reactivate === true)));
      verdicts.forEach((verdict, index) => {
        if ('eligible' in verdict) {
          const { dn: _dn, ...candidate } = verdict.eligible;
          candidates.push(candidate);
        } else skipped.push({ name: batch[index]?.user.samAccountName ?? '', reason: verdict.skipped });
      });
      judged += batch.length;
      if (deps.clock.now().getTime() - startedAt >= budgetMs) break;
    }
    const last = page[judged - 1];
    const nextCursor = judged < remaining.length && last ? encodeResolveCursor(last.key) : undefined;
    logger.info('activation target resolved', {
      requestId,
      total: ordered.length,
      judged,
      candidates: candidates.length,
      skipped: skipped.length,
      more: nextCursor !== undefined,
    });
    return { candidates, skipped, total: ordered.length, ...(nextCursor ? { nextCursor } : {}) };
  }

  async function activate(
    userGuids: string[],
    requestId?: string,
    options: { reactivate?: boolean; actor?: string } = {},
  ): Promise<ActivateResult> {
    const { actor } = options;
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
        await refused(entry, userGuid, requestId, actor);
        continue;
      }
      const verdict: Verdict = user ? await judge(user, reactivate) : { skipped: 'not-found' };
      if ('skipped' in verdict) {
        const entry: SkippedUser = { name: user?.samAccountName ?? userGuid, reason: verdict.skipped };
        skipped.push(entry);
        await refused(entry, userGuid, requestId, actor);
        continue;
      }
      const { dn, ...candidate } = verdict.eligible;
      let issued;
      try {
        issued = await issueActivation(
          deps,
          { ...candidate, dn },
          { reactivate, ...(requestId ? { requestId } : {}), ...(actor ? { actor } : {}) },
        );
      } catch (error) {
        // Enrolled between the check and the write (the user finished an earlier setup just now).
        if (!(error instanceof AlreadyEnrolledError)) throw error;
        const entry: SkippedUser = { name: candidate.samAccountName, reason: 'already-enrolled' };
        skipped.push(entry);
        await refused(entry, userGuid, requestId, actor);
        continue;
      }
      await deps.roster.add(userGuid, deps.clock.now());
      // The link comes only from issueActivation (PUBLIC_BASE_URL + fragment); it is never logged.
      let messageId: string;
      try {
        ({ messageId } = await deps.emailSender.send(
          renderActivationEmail({
            to: candidate.mail,
            displayName: candidate.displayName,
            link: issued.link,
            expiresAt: issued.expiresAt,
            validForHours: deps.settings.activationTtlHours,
            ...(verdict.replacesEarlier ? { replacesEarlier: verdict.replacesEarlier } : {}),
            ...deps.branding,
          }),
        ));
      } catch (error) {
        // One user's mailbox or a passing SES fault must not stop the chunk. The activation stays issued but its link
        // reached nobody; activating the user again supersedes it. Only the error's name is logged: its message may quote
        // the recipient.
        const entry: SkippedUser = { name: candidate.samAccountName, reason: 'email-failed' };
        skipped.push(entry);
        logger.warn('activation email failed', {
          requestId,
          userGuid,
          error: error instanceof Error ? error.name : typeof error,
        });
        await deps.auditLog.record({
          userGuid,
          action: 'enrollment.activation-email-failed',
          channel: 'admin',
          result: 'failed',
          reason: 'email-failed',
          ...(requestId ? { requestId } : {}),
          ...(actor ? { actor } : {}),
          at: deps.clock.now(),
        });
        continue;
      }
      logger.info('activation email sent', { requestId, userGuid, messageId });
      activated.push(candidate);
    }
    return { activated, skipped };
  }

  return { resolve, activate };
}

export type AdminActivation = ReturnType<typeof createAdminActivation>;
