import type { Enrollment } from './enrollment.js';

/**
 * The portal's reports read counters written as things happen (design: docs/design/portal.md, "Reports"), never a
 * table Scan. Daily counters come from the audit events (plus SMS sends, counted by the sender); coverage from each
 * enrollment save.
 */

/** Daily counter names. Resets and unlocks carry their channel: `reset.sms`, `unlock.app`, `reset.admin`… */
export const dailyCounterNames = [
  'activations',
  'reset.sms',
  'reset.app',
  'reset.admin',
  'unlock.sms',
  'unlock.app',
  'unlock.admin',
  'lockout-alerts',
  'lockout-alerts-unreached',
  'failures',
  'dlq',
  'sms-sent',
] as const;
export type DailyCounterName = (typeof dailyCounterNames)[number];

/**
 * A reset or unlock job that failed is closed as failed only on its queue's last delivery, just before it goes to the
 * dead-letter queue (shared/use-cases/reset/account-jobs.ts); a given-up inbound SMS is one its queue gave up on.
 */
const DEAD_LETTER_REASONS = new Set(['directory-unavailable', 'error']);

/** Which daily counters one audit event adds 1 to. */
export function dailyCountersOf(event: {
  action: string;
  channel: string;
  result: 'success' | 'refused' | 'failed';
  reason?: string | undefined;
}): DailyCounterName[] {
  const counters: DailyCounterName[] = [];
  const { action, channel, result } = event;
  if (result === 'failed') counters.push('failures');
  if ((action === 'enrollment.activated' || action === 'enrollment.reactivated') && result === 'success')
    counters.push('activations');
  if ((action === 'reset' || action === 'unlock') && result === 'success') {
    if (channel === 'sms' || channel === 'app' || channel === 'admin') counters.push(`${action}.${channel}` as const);
  }
  if ((action === 'reset' || action === 'unlock') && result === 'failed' && DEAD_LETTER_REASONS.has(event.reason ?? ''))
    counters.push('dlq');
  if (action === 'inbound-failed') counters.push('dlq');
  if (action === 'lockout-alert' && result === 'success') counters.push('lockout-alerts');
  if (action === 'lockout-alert' && result === 'failed') counters.push('lockout-alerts-unreached');
  return counters;
}

/** Where a user stands for coverage: each enrollment is in exactly one of these. */
export const coverageStates = ['never-enrolled', 'sms', 'app', 'sms-and-app', 'revoked'] as const;
export type CoverageState = (typeof coverageStates)[number];

export function coverageStateOf(enrollment: Pick<Enrollment, 'status' | 'methods'>): CoverageState {
  if (enrollment.status === 'revoked') return 'revoked';
  const { sms, app } = enrollment.methods;
  if (sms && app) return 'sms-and-app';
  if (sms) return 'sms';
  if (app) return 'app';
  return 'never-enrolled';
}

export type CoverageCounts = Record<CoverageState, number>;
export const emptyCoverage = (): CoverageCounts => ({
  'never-enrolled': 0,
  sms: 0,
  app: 0,
  'sms-and-app': 0,
  revoked: 0,
});

/** Days as `yyyy-mm-dd` in UTC. */
export const dayOf = (at: Date): string => at.toISOString().slice(0, 10);

/** The `days` days that end with `lastDay`, oldest first. */
export function daysEndingOn(lastDay: string, days: number): string[] {
  const end = Date.parse(`${lastDay}T00:00:00Z`);
  return Array.from({ length: days }, (_, index) => dayOf(new Date(end - (days - 1 - index) * 86_400_000)));
}

/**
 * Estimated SMS cost in the price's currency: messages × price per message, rounded to cents. A segment count is not
 * known at send time, so long messages are counted once (the estimate is a floor).
 */
export const estimatedSmsCost = (messages: number, pricePerMessage: number): number =>
  Math.round(messages * pricePerMessage * 100) / 100;

/**
 * A CSV document (RFC 4180, CRLF). Cells that a spreadsheet would run as a formula (=, +, -, @, tab, carriage return
 * first) get a leading apostrophe: names come from the directory, which users can sometimes edit.
 */
export function toCsv(rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const cell = (value: string | number): string => {
    if (typeof value === 'number') return String(value);
    const guarded = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
    return /[",\r\n]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
  };
  return rows.map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}
