import type { CoverageCounts, CoverageState, DailyCounterName } from '../domain/reports.js';

export type DailyCounts = { day: string } & Partial<Record<DailyCounterName, number>>;
export type CoverageDay = { day: string } & CoverageCounts;

/** The counters the portal's reports read (design: docs/design/portal.md, "Reports"). */
export interface ReportCounters {
  /** Adds to the day's counters. */
  addDaily(day: string, counters: ReadonlyArray<DailyCounterName>): Promise<void>;
  /** Moves the user into `state` in the coverage totals (nothing when already there) and records the day's totals. */
  trackCoverage(userGuid: string, state: CoverageState, at: Date): Promise<void>;
  /** The days from `from` to `to` (inclusive) that have counters, oldest first. */
  readDaily(from: string, to: string): Promise<DailyCounts[]>;
  /** Coverage totals at the end of each day from `from` to `to` that saw a change, and the last one before `from`. */
  readCoverage(from: string, to: string): Promise<{ before?: CoverageDay; days: CoverageDay[] }>;
  /** Each user's current state (users Blink never saw are left out). */
  coverageOf(userGuids: ReadonlyArray<string>): Promise<Map<string, CoverageState>>;
}
