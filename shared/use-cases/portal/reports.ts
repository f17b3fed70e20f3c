import {
  coverageStates,
  dailyCounterNames,
  dayOf,
  daysEndingOn,
  emptyCoverage,
  estimatedSmsCost,
  toCsv,
  type CoverageCounts,
  type DailyCounterName,
} from '../../domain/reports.js';
import { ValidationError } from '../../domain/errors.js';
import type { Clock } from '../../ports/clock.js';
import type { WorkerInvoker } from '../../ports/directory-worker.js';
import type { ReportCounters } from '../../ports/report-counters.js';
import type { WorkerAdminReply } from '../../domain/worker-admin-contract.js';

export interface PortalReportsDependencies {
  reportCounters: ReportCounters;
  worker: WorkerInvoker;
  clock: Clock;
  /** SMS_PRICE_PER_MESSAGE: the estimated cost is messages × this. */
  smsPricePerMessage: number;
}

/** Longest window a report covers: a year of days is one Query of at most 366 small items. */
export const REPORT_DAYS_MAX = 366;

export type DailyRow = { day: string } & Record<DailyCounterName, number> & { 'sms-cost': number };
/** Coverage at the end of a day; `activated` is everyone Blink sent a link to and did not revoke. */
export type CoverageRow = { day: string } & CoverageCounts & { activated: number };

export interface Reports {
  from: string;
  to: string;
  smsPricePerMessage: number;
  daily: DailyRow[];
  coverage: CoverageRow[];
}

const activatedOf = (counts: CoverageCounts) =>
  counts['never-enrolled'] + counts.sms + counts.app + counts['sms-and-app'];

/** The last `days` days (today included, UTC), every day present (zeros where nothing happened). */
export async function readReports(deps: PortalReportsDependencies, days: number): Promise<Reports> {
  if (!Number.isInteger(days) || days < 1 || days > REPORT_DAYS_MAX)
    throw new ValidationError(`days must be a whole number from 1 to ${REPORT_DAYS_MAX}.`);
  const window = daysEndingOn(dayOf(deps.clock.now()), days);
  const from = window[0] ?? '';
  const to = window[window.length - 1] ?? '';
  const [dailyItems, coverage] = await Promise.all([
    deps.reportCounters.readDaily(from, to),
    deps.reportCounters.readCoverage(from, to),
  ]);
  const dailyByDay = new Map(dailyItems.map((item) => [item.day, item]));
  const coverageByDay = new Map(coverage.days.map((item) => [item.day, item]));
  let carried: CoverageCounts = coverage.before ?? emptyCoverage();
  const daily: DailyRow[] = [];
  const coverageRows: CoverageRow[] = [];
  for (const day of window) {
    const counted = dailyByDay.get(day);
    const row = { day } as DailyRow;
    for (const name of dailyCounterNames) row[name] = counted?.[name] ?? 0;
    row['sms-cost'] = estimatedSmsCost(row['sms-sent'], deps.smsPricePerMessage);
    daily.push(row);
    // A day without a change ends as the day before it did.
    const snapshot = coverageByDay.get(day);
    if (snapshot) carried = snapshot;
    const counts = emptyCoverage();
    for (const state of coverageStates) counts[state] = carried[state];
    coverageRows.push({ day, ...counts, activated: activatedOf(counts) });
  }
  return { from, to, smsPricePerMessage: deps.smsPricePerMessage, daily, coverage: coverageRows };
}

export interface GroupCoverage {
  group: string;
  members: number;
  /** Members Blink never sent a link to. */
  'not-activated': number;
  counts: CoverageCounts & { activated: number };
}

/** Coverage of one group's members now: the members from AD (through the worker), their states from the counters. */
export async function readGroupCoverage(
  deps: PortalReportsDependencies,
  group: string,
  requestId: string,
): Promise<{ ok: true; result: GroupCoverage } | Extract<WorkerAdminReply, { ok: false }>> {
  const reply = await deps.worker.invoke({ action: 'group-members', group, requestId });
  if (!reply.ok) return reply;
  const userGuids = 'userGuids' in reply.result ? reply.result.userGuids : [];
  const states = await deps.reportCounters.coverageOf(userGuids);
  const counts = emptyCoverage();
  for (const state of states.values()) counts[state] += 1;
  return {
    ok: true,
    result: {
      group,
      members: userGuids.length,
      'not-activated': userGuids.length - states.size,
      counts: { ...counts, activated: activatedOf(counts) },
    },
  };
}

/** The reports as CSV, one document per chart. */
export function reportCsv(reports: Reports, name: 'daily' | 'coverage'): string {
  if (name === 'daily') {
    const columns = ['day', ...dailyCounterNames, 'sms-cost'] as const;
    return toCsv([columns, ...reports.daily.map((row) => columns.map((column) => row[column]))]);
  }
  const columns = ['day', 'activated', ...coverageStates] as const;
  return toCsv([columns, ...reports.coverage.map((row) => columns.map((column) => row[column]))]);
}

export function groupCoverageCsv(coverage: GroupCoverage): string {
  const states = ['activated', ...coverageStates] as const;
  return toCsv([
    ['group', 'members', 'not-activated', ...states],
    [coverage.group, coverage.members, coverage['not-activated'], ...states.map((state) => coverage.counts[state])],
  ]);
}
