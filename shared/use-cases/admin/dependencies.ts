import type { AuditLog } from '../../ports/audit-log.js';
import type { Clock } from '../../ports/clock.js';
import type { DeviceStore } from '../../ports/device-store.js';
import type { WorkerInvoker } from '../../ports/directory-worker.js';
import type { EmailSender } from '../../ports/email-sender.js';
import type { EnrollmentStore } from '../../ports/enrollment-store.js';
import type { Logger } from '../../ports/logger.js';
import type { ReportCounters } from '../../ports/report-counters.js';

export interface AdminDependencies {
  worker: WorkerInvoker;
  enrollmentStore: EnrollmentStore;
  deviceStore: DeviceStore;
  /** The GUIDs of every user with an enrollment. */
  listEnrolledUsers: () => Promise<string[]>;
  auditLog: AuditLog;
  clock: Clock;
  /** Notices to the user on an independent channel (a revoked phone). */
  emailSender: EmailSender;
  notices: { productName: string; supportContact: string };
  logger: Pick<Logger, 'error'>;
  /** The portal's report counters, for counting users saved before they existed (`backfill-reports`). */
  reportCounters?: Pick<ReportCounters, 'trackCoverage'>;
}

/** Who asked and in which request: recorded with every admin action in the audit log. */
export interface AdminRequestContext {
  requestId: string;
  actor: string;
}
