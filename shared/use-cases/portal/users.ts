import { maskPhoneNumber } from '../../domain/enrollment.js';
import { NotFoundError, ValidationError } from '../../domain/errors.js';
import { countryCallingCodeOf } from '../../domain/phone-number.js';
import { searchPrefixOf, MIN_SEARCH_LENGTH, type UserListFilter } from '../../domain/user-search.js';
import { deviceSummaryOf, type Device, type DeviceSummary } from '../../domain/device.js';
import { lockedNow, resetOrUnlockOf, type UserRowFacts } from '../../domain/user-row.js';
import type { AuditEvent } from '../../ports/audit-log.js';
import type { UserRow } from '../../ports/user-rows.js';
import { csvLine } from '../../domain/csv.js';
import { auditEventView } from '../admin/enrollments.js';
import type { PortalUser } from './session.js';
import type { PortalUserDirectoryDependencies } from './dependencies.js';

export const USERS_PAGE_SIZE = 25;
/** Rows in one page of a CSV export: two batch reads of rows, one of opt-outs. */
export const EXPORT_PAGE_SIZE = 100;
/** Enough recent events to find the last reset or unlock and the last lockout of nearly everyone. */
const RECENT_EVENTS = 50;
const TIMELINE_EVENTS = 200;

export interface UserSummary {
  userGuid: string;
  samAccountName: string;
  displayName: string;
  userPrincipalName?: string;
  mail: string;
  enrolled: Array<'sms' | 'app'>;
  /** The activation link: still usable, expired unused, used (setup done), or revoked. */
  activation: 'pending' | 'expired' | 'completed' | 'revoked';
  activeDevices: number;
  lastResetOrUnlock?: { action: string; channel: string; at: string; result: string };
  /** Locked at the last lockout scan, not run out, with no successful unlock or reset since. */
  lockedAtLastScan: boolean;
  /** While locked: since when, until when (absent: until unlocked), and what the scan told the user. */
  lockout?: {
    lockedAt: string;
    endsAt?: string;
    alert: { outcome: string; sms: string; pushes: number; handledAt: string };
  };
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
  pageSize = USERS_PAGE_SIZE,
): Promise<{ users: UserSummary[]; cursor?: string }> {
  const text = request.query?.trim() ?? '';
  const prefix = text === '' ? undefined : searchPrefixOf(text);
  if (text !== '' && prefix === undefined)
    throw new ValidationError(`Type at least ${MIN_SEARCH_LENGTH} characters or digits to search.`);
  const page = await deps.userSearch.search({
    ...(prefix !== undefined ? { prefix } : { filter: request.filter }),
    ...(request.cursor !== undefined ? { cursor: request.cursor } : {}),
    pageSize,
  });
  // A page is a few requests whatever its size: the index, one batch of rows, one batch of opt-outs.
  const rows = await Promise.all((await deps.userRows.read(page.userGuids)).map((row) => trackedRow(deps, row)));
  const phones = rows.flatMap((row) => (row.enrollment.phoneE164 ? [row.enrollment.phoneE164] : []));
  const optedOut = phones.length > 0 ? await deps.userRows.optedOutAmong(phones) : new Set<string>();
  const users = rows.map((row) =>
    summarize(deps, row, row.enrollment.phoneE164 !== undefined && optedOut.has(row.enrollment.phoneE164)),
  );
  return {
    // The locked-now list keeps a lockout until its end passes (the table's TTL removes the entry later).
    users:
      prefix === undefined && request.filter === 'locked-now' ? users.filter((user) => user.lockedAtLastScan) : users,
    ...(page.cursor ? { cursor: page.cursor } : {}),
  };
}

/**
 * The row with its facts; a user enrolled before the facts were kept has them counted from the devices and audit
 * events once, and tracked from then on.
 */
async function trackedRow(deps: PortalUserDirectoryDependencies, row: UserRow): Promise<TrackedRow> {
  if (row.activeDevices !== undefined) return { ...row, activeDevices: row.activeDevices };
  const { userGuid } = row.enrollment;
  const [events, devices] = await Promise.all([
    deps.auditLog.listForUser(userGuid, RECENT_EVENTS),
    deps.deviceStore.listForUser(userGuid),
  ]);
  const facts = factsFrom(events, devices);
  try {
    await deps.userRows.backfill(userGuid, facts);
  } catch {
    // The page is right without it; the next page that shows the user counts again.
  }
  return { ...row, ...facts };
}

type TrackedRow = UserRow & Pick<UserRowFacts, 'activeDevices'>;

function factsFrom(
  newestFirst: AuditEvent[],
  devices: Device[],
): Pick<UserRowFacts, 'activeDevices' | 'lastResetOrUnlock'> {
  const last = newestFirst.find((event) => resetOrUnlockOf(event.action) !== undefined);
  const action = last ? resetOrUnlockOf(last.action) : undefined;
  return {
    activeDevices: devices.filter((device) => !device.revokedAt).length,
    ...(last && action
      ? { lastResetOrUnlock: { action, channel: last.channel, at: last.at, result: last.result } }
      : {}),
  };
}

export async function userDetail(deps: PortalUserDirectoryDependencies, userGuid: string): Promise<UserDetail> {
  const [row] = await deps.userRows.read([userGuid]);
  if (!row) throw new NotFoundError('No such user in Blink.');
  const { enrollment } = row;
  const [events, devices, optedOut] = await Promise.all([
    deps.auditLog.listForUser(userGuid, TIMELINE_EVENTS),
    deps.deviceStore.listForUser(userGuid),
    enrollment.phoneE164 ? deps.optOutList.isOptedOut(enrollment.phoneE164) : false,
  ]);
  // The user's own page counts from the devices and events themselves; the lockout is the scan's record.
  const summary = summarize(deps, { ...row, ...factsFrom(events, devices) }, optedOut);
  return {
    ...summary,
    dn: enrollment.dn,
    ...(enrollment.phoneE164
      ? { maskedPhone: maskPhoneNumber(enrollment.phoneE164, countryCallingCodeOf(enrollment.phoneE164)) }
      : {}),
    activatedAt: enrollment.activatedAt.toISOString(),
    devices: devices.map(deviceSummaryOf),
    timeline: events.map((event) => auditEventView(event, { requestId: false })),
  };
}

function summarize(deps: PortalUserDirectoryDependencies, row: TrackedRow, optedOut: boolean): UserSummary {
  const { enrollment, lastResetOrUnlock: last, lockout } = row;
  const now = deps.clock.now();
  const activationEnds = enrollment.activatedAt.getTime() + deps.activationTtlHours * 3_600_000;
  const locked = lockedNow(lockout, now);
  return {
    userGuid: enrollment.userGuid,
    samAccountName: enrollment.samAccountName,
    displayName: enrollment.displayName,
    ...(enrollment.userPrincipalName ? { userPrincipalName: enrollment.userPrincipalName } : {}),
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
    activeDevices: row.activeDevices,
    ...(last
      ? {
          lastResetOrUnlock: {
            action: last.action,
            channel: last.channel,
            at: last.at.toISOString(),
            result: last.result,
          },
        }
      : {}),
    lockedAtLastScan: locked,
    ...(locked && lockout
      ? {
          lockout: {
            lockedAt: lockout.lockedAt.toISOString(),
            ...(lockout.endsAt ? { endsAt: lockout.endsAt.toISOString() } : {}),
            alert: { ...lockout.alert, handledAt: lockout.alert.handledAt.toISOString() },
          },
        }
      : {}),
    optedOut,
  };
}

const EXPORT_COLUMNS = [
  'Name',
  'Account',
  'UPN',
  'Email',
  'Enrolled',
  'Activation',
  'Devices',
  'Last reset or unlock',
  'Last reset or unlock at',
  'Last reset or unlock result',
  'Locked now',
  'Locked since',
  'Locked until',
  'Lockout alert',
  'Opted out of SMS',
];

/**
 * One page of the Users list as CSV (the same search or filter as the page; the header with the first page). The
 * first page is audited with the technician: a list of users leaving the portal is worth knowing about.
 */
export async function exportUsers(
  deps: PortalUserDirectoryDependencies,
  technician: PortalUser,
  request: { query?: string; filter?: UserListFilter; cursor?: string; requestId: string },
): Promise<{ csv: string; cursor?: string }> {
  const page = await findUsers(deps, request, EXPORT_PAGE_SIZE);
  if (request.cursor === undefined) {
    await deps.auditLog.record({
      action: 'portal.users-exported',
      channel: 'admin',
      result: 'success',
      reason: request.query ? 'search' : `list ${request.filter ?? 'all'}`,
      actor: technician.actor,
      requestId: request.requestId,
      at: deps.clock.now(),
    });
  }
  const lines = page.users.map((user) =>
    csvLine([
      user.displayName,
      user.samAccountName,
      user.userPrincipalName,
      user.mail,
      user.enrolled.join(' + ') || 'none',
      user.activation,
      user.activeDevices,
      user.lastResetOrUnlock?.action,
      user.lastResetOrUnlock?.at,
      user.lastResetOrUnlock?.result,
      user.lockedAtLastScan ? 'yes' : 'no',
      user.lockout?.lockedAt,
      user.lockout ? (user.lockout.endsAt ?? 'until unlocked') : undefined,
      user.lockout
        ? `${user.lockout.alert.outcome} (sms ${user.lockout.alert.sms}, ${user.lockout.alert.pushes} push)`
        : undefined,
      user.optedOut ? 'yes' : 'no',
    ]),
  );
  return {
    csv: (request.cursor === undefined ? csvLine(EXPORT_COLUMNS) : '') + lines.join(''),
    ...(page.cursor ? { cursor: page.cursor } : {}),
  };
}
