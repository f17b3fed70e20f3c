import { maskPhoneNumber, type Enrollment } from '../../domain/enrollment.js';
import { NotFoundError, ValidationError } from '../../domain/errors.js';
import { countryCallingCodeOf } from '../../domain/phone-number.js';
import { searchPrefixOf, MIN_SEARCH_LENGTH, type UserListFilter } from '../../domain/user-search.js';
import { deviceSummaryOf, type Device, type DeviceSummary } from '../../domain/device.js';
import type { AuditEvent } from '../../ports/audit-log.js';
import type { PortalUserDirectoryDependencies } from './dependencies.js';

export const USERS_PAGE_SIZE = 25;
/** Enough recent events to find the last reset or unlock and the last lockout of nearly everyone. */
const RECENT_EVENTS = 50;
const TIMELINE_EVENTS = 200;

export interface UserSummary {
  userGuid: string;
  samAccountName: string;
  displayName: string;
  mail: string;
  enrolled: Array<'sms' | 'app'>;
  /** The activation link: still usable, expired unused, used (setup done), or revoked. */
  activation: 'pending' | 'expired' | 'completed' | 'revoked';
  activeDevices: number;
  lastResetOrUnlock?: { action: string; channel: string; at: string; result: string };
  /** Locked at the last lockout scan, with no successful unlock or reset since. */
  lockedAtLastScan: boolean;
  optedOut: boolean;
}

export type UserDetail = UserSummary & {
  dn: string;
  /** The verified phone, masked: the country code and the last four digits. */
  maskedPhone?: string;
  activatedAt: string;
  devices: DeviceSummary[];
  timeline: Array<{ at: string; action: string; channel: string; result: string; reason?: string; actor?: string }>;
};

/** A page of users: by search text (name, account name, UPN or mail, phone's last digits), or a list with a filter. */
export async function findUsers(
  deps: PortalUserDirectoryDependencies,
  request: { query?: string; filter?: UserListFilter; cursor?: string },
): Promise<{ users: UserSummary[]; cursor?: string }> {
  const text = request.query?.trim() ?? '';
  const prefix = text === '' ? undefined : searchPrefixOf(text);
  if (text !== '' && prefix === undefined)
    throw new ValidationError(`Type at least ${MIN_SEARCH_LENGTH} characters or digits to search.`);
  const page = await deps.userSearch.search({
    ...(prefix !== undefined ? { prefix } : { filter: request.filter }),
    ...(request.cursor !== undefined ? { cursor: request.cursor } : {}),
    pageSize: USERS_PAGE_SIZE,
  });
  const rows = await Promise.all(
    page.userGuids.map(async (userGuid) => {
      const enrollment = await deps.enrollmentStore.get(userGuid);
      if (!enrollment) return undefined;
      const [events, devices] = await Promise.all([
        deps.auditLog.listForUser(userGuid, RECENT_EVENTS),
        deps.deviceStore.listForUser(userGuid),
      ]);
      return summarize(deps, enrollment, events, devices);
    }),
  );
  return {
    users: rows.filter((row): row is UserSummary => row !== undefined),
    ...(page.cursor ? { cursor: page.cursor } : {}),
  };
}

export async function userDetail(deps: PortalUserDirectoryDependencies, userGuid: string): Promise<UserDetail> {
  const enrollment = await deps.enrollmentStore.get(userGuid);
  if (!enrollment) throw new NotFoundError('No such user in Blink.');
  const [events, devices] = await Promise.all([
    deps.auditLog.listForUser(userGuid, TIMELINE_EVENTS),
    deps.deviceStore.listForUser(userGuid),
  ]);
  const summary = await summarize(deps, enrollment, events, devices);
  return {
    ...summary,
    dn: enrollment.dn,
    ...(enrollment.phoneE164
      ? { maskedPhone: maskPhoneNumber(enrollment.phoneE164, countryCallingCodeOf(enrollment.phoneE164)) }
      : {}),
    activatedAt: enrollment.activatedAt.toISOString(),
    devices: devices.map(deviceSummaryOf),
    timeline: events.map((event) => ({
      at: event.at.toISOString(),
      action: event.action,
      channel: event.channel,
      result: event.result,
      ...(event.reason !== undefined ? { reason: event.reason } : {}),
      ...(event.actor !== undefined ? { actor: event.actor } : {}),
    })),
  };
}

const isResetOrUnlock = (event: AuditEvent) => /^(reset|unlock|portal\.(reset|unlock))$/.test(event.action);

async function summarize(
  deps: PortalUserDirectoryDependencies,
  enrollment: Enrollment,
  newestFirst: AuditEvent[],
  devices: Device[],
): Promise<UserSummary> {
  const now = deps.clock.now();
  const lastAction = newestFirst.find((event) => isResetOrUnlock(event));
  const lastSuccess = newestFirst.find((event) => isResetOrUnlock(event) && event.result === 'success');
  const lastLockout = newestFirst.find((event) => event.action === 'lockout-alert');
  const activationEnds = enrollment.activatedAt.getTime() + deps.activationTtlHours * 3_600_000;
  return {
    userGuid: enrollment.userGuid,
    samAccountName: enrollment.samAccountName,
    displayName: enrollment.displayName,
    mail: enrollment.mail,
    enrolled: [
      ...(enrollment.methods.sms ? (['sms'] as const) : []),
      ...(enrollment.methods.app ? (['app'] as const) : []),
    ],
    activation:
      enrollment.status === 'revoked'
        ? 'revoked'
        : enrollment.status === 'active'
          ? 'completed'
          : activationEnds > now.getTime()
            ? 'pending'
            : 'expired',
    activeDevices: devices.filter((device) => !device.revokedAt).length,
    ...(lastAction
      ? {
          lastResetOrUnlock: {
            action: lastAction.action.replace(/^portal\./, ''),
            channel: lastAction.channel,
            at: lastAction.at.toISOString(),
            result: lastAction.result,
          },
        }
      : {}),
    lockedAtLastScan: lastLockout !== undefined && (lastSuccess === undefined || lastSuccess.at < lastLockout.at),
    optedOut: enrollment.phoneE164 ? await deps.optOutList.isOptedOut(enrollment.phoneE164) : false,
  };
}
