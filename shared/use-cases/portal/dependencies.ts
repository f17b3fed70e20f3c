import type { PortalRoleGroups, PortalSessionLimits } from '../../domain/portal.js';
import type { AuditLog } from '../../ports/audit-log.js';
import type { Clock } from '../../ports/clock.js';
import type { IdentityProvider } from '../../ports/identity-provider.js';
import type { PortalSessionStore } from '../../ports/portal-sessions.js';

export interface PortalDependencies {
  identityProvider: IdentityProvider;
  sessions: PortalSessionStore;
  auditLog: AuditLog;
  clock: Clock;
  roleGroups: PortalRoleGroups;
  limits: PortalSessionLimits;
}
