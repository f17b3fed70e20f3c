import { AlreadyEnrolledError, type Enrollment } from '../../domain/enrollment.js';
import { generateToken, hashSecret } from '../../domain/one-time-secrets.js';
import type { AuditLog } from '../../ports/audit-log.js';
import type { Clock } from '../../ports/clock.js';
import type { EnrollmentStore } from '../../ports/enrollment-store.js';
import type { Secrets } from '../../ports/secrets.js';
import { retryOnConcurrentUpdate } from './save-with-retry.js';

export interface ActivationDependencies {
  enrollmentStore: EnrollmentStore;
  secrets: Secrets;
  clock: Clock;
  auditLog: AuditLog;
  settings: { publicBaseUrl: string; activationTtlHours: number };
}

/** The directory facts an activation is issued for (from the worker's eligibility check), as the enrollment keeps them. */
export type ActivationUser = Pick<
  Enrollment,
  'userGuid' | 'dn' | 'samAccountName' | 'displayName' | 'userPrincipalName' | 'mail'
>;

export interface IssueActivationOptions {
  /**
   * Issue a new link for a user who is already `active` (to change the phone or add a device). The enrollment stays
   * `active` with its methods until the new setup completes. Without it, an active user is refused with
   * AlreadyEnrolledError.
   */
  reactivate?: boolean;
  requestId?: string;
  /** The admin who asked, for the audit event. */
  actor?: string;
}

export interface IssuedActivation {
  /** `${PUBLIC_BASE_URL}/setup#t=<token>`; the token sits in the fragment, which never reaches a server or a log. */
  link: string;
  expiresAt: Date;
}

/**
 * Creates or refreshes the user's enrollment and issues a new activation token, superseding every earlier one. The
 * caller (the directory worker) sends the link by email; this function sends nothing.
 *
 * - no enrollment → a new one, `activated`.
 * - `activated` → directory facts refreshed, a new link; the failure count and lock are kept (a new link must not
 *   reset the attempt limit).
 * - `revoked` → `activated` again, with the old phone and methods cleared (they were revoked).
 * - `active` → AlreadyEnrolledError unless `reactivate`, which keeps it `active` and only issues a new link.
 */
export async function issueActivation(
  deps: ActivationDependencies,
  user: ActivationUser,
  options: IssueActivationOptions = {},
): Promise<IssuedActivation> {
  const key = await deps.secrets.get('token-hmac-key');
  // Retried as a whole on a lost save: a fresh token for each attempt, as the one saved is the one sent.
  const issued = await retryOnConcurrentUpdate(async () => {
    const now = deps.clock.now();
    const existing = await deps.enrollmentStore.get(user.userGuid);
    if (existing?.status === 'active' && !options.reactivate) {
      throw new AlreadyEnrolledError(`${user.samAccountName} is already enrolled`);
    }
    const token = generateToken();
    const hash = hashSecret(key, 'activation', token);
    const expiresAt = new Date(now.getTime() + deps.settings.activationTtlHours * 3_600_000);
    await deps.enrollmentStore.save(nextEnrollment(existing, user, now, hash), existing?.version ?? 0);
    return { now, reactivated: existing !== undefined, token, hash, expiresAt };
  });
  const { now, token, hash, expiresAt } = issued;
  await deps.enrollmentStore.putSecret({
    purpose: 'activation',
    hash,
    userGuid: user.userGuid,
    issuedAt: now,
    expiresAt,
  });
  await deps.auditLog.record({
    userGuid: user.userGuid,
    action: issued.reactivated ? 'enrollment.reactivated' : 'enrollment.activated',
    channel: 'admin',
    result: 'success',
    ...(options.requestId ? { requestId: options.requestId } : {}),
    ...(options.actor ? { actor: options.actor } : {}),
    at: now,
  });
  return { link: `${deps.settings.publicBaseUrl}/setup#t=${token}`, expiresAt };
}

function nextEnrollment(
  existing: Enrollment | undefined,
  user: ActivationUser,
  now: Date,
  activationHash: string,
): Enrollment {
  const facts = {
    userGuid: user.userGuid,
    dn: user.dn,
    samAccountName: user.samAccountName,
    displayName: user.displayName,
    ...(user.userPrincipalName ? { userPrincipalName: user.userPrincipalName } : {}),
    mail: user.mail,
  };
  if (!existing) {
    return {
      ...facts,
      status: 'activated',
      methods: { sms: false, app: false },
      verificationFailures: 0,
      activatedAt: now,
      activationHash,
      createdAt: now,
      updatedAt: now,
      version: 0,
    };
  }
  // A pending number belonged to the previous link's setup; the new setup starts from the phone step.
  const { pendingPhoneE164: _pending, phoneE164, ...rest } = existing;
  if (existing.status === 'revoked') {
    return {
      ...rest,
      ...facts,
      status: 'activated',
      methods: { sms: false, app: false },
      activatedAt: now,
      activationHash,
      updatedAt: now,
    };
  }
  return { ...rest, ...facts, ...(phoneE164 ? { phoneE164 } : {}), activatedAt: now, activationHash, updatedAt: now };
}
