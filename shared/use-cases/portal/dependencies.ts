import type { PortalRoleGroups, PortalSessionLimits } from '../../domain/portal.js';
import type { AuditLog } from '../../ports/audit-log.js';
import type { Clock } from '../../ports/clock.js';
import type { IdentityProvider } from '../../ports/identity-provider.js';
import type { PortalSessionStore } from '../../ports/portal-sessions.js';
import type { DeviceStore } from '../../ports/device-store.js';
import type { EnrollmentStore } from '../../ports/enrollment-store.js';
import type { OptOutList } from '../../ports/opt-out-list.js';
import type { UserSearchIndex } from '../../ports/user-search.js';
import type { CallerVerificationStore } from '../../ports/caller-verifications.js';
import type { JobQueue } from '../../ports/job-queue.js';
import type { Secrets } from '../../ports/secrets.js';
import type { SmsSender } from '../../ports/sms-sender.js';
import type { WorkerInvoker } from '../../ports/directory-worker.js';
import type { RateLimiter } from '../../ports/rate-limiter.js';
import type { WebPushSender } from '../../ports/web-push-sender.js';
import type { Logger } from '../../ports/logger.js';

export interface PortalDependencies extends PortalUserDirectoryDependencies, PortalHelpDeskDependencies {
  identityProvider: IdentityProvider;
  sessions: PortalSessionStore;
  auditLog: AuditLog;
  clock: Clock;
  roleGroups: PortalRoleGroups;
  limits: PortalSessionLimits;
}

/** What the Users and User pages read. */
export interface PortalUserDirectoryDependencies {
  userSearch: UserSearchIndex;
  enrollmentStore: EnrollmentStore;
  deviceStore: DeviceStore;
  auditLog: AuditLog;
  optOutList: OptOutList;
  clock: Clock;
  activationTtlHours: number;
}

/** What caller verification and the help-desk actions use. */
export interface PortalHelpDeskDependencies {
  enrollmentStore: EnrollmentStore;
  callerVerifications: CallerVerificationStore;
  /** Caps the caller codes texted to one user (CALLER_CODES_PER_USER_PER_HOUR). */
  rateLimiter: RateLimiter;
  smsSender: SmsSender;
  optOutList: OptOutList;
  jobQueue: JobQueue;
  secrets: Secrets;
  auditLog: AuditLog;
  clock: Clock;
  productName: string;
  /** The directory worker's admin entry: resending an activation goes through it, as the CLI's does. */
  worker: WorkerInvoker;
  /** The user's bound apps, asked to approve a caller verification. */
  deviceStore: DeviceStore;
  /** Web Push to those apps (the approval request); without it the app finds the request when it opens. */
  webPushSender?: WebPushSender;
  logger?: Logger;
}
