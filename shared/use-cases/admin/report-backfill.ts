import { coverageStateOf } from '../../domain/reports.js';
import { ValidationError } from '../../domain/errors.js';
import type { AdminDependencies } from './dependencies.js';

/** Users counted per call: each is one enrollment read and one or two small writes, well inside the API's 29 s. */
export const COVERAGE_BACKFILL_PAGE = 200;

/**
 * Counts users saved before the coverage counters existed (docs/design/portal.md, "Reports"): a page of the roster in
 * GUID order from `after`, each user's current state recorded as a save would (users already counted do not move).
 * Answers `next` while users remain; `npm run admin -- backfill-reports` follows it.
 */
export async function backfillCoverage(
  deps: Pick<AdminDependencies, 'listEnrolledUsers' | 'enrollmentStore' | 'clock' | 'reportCounters'>,
  after: string | undefined,
): Promise<{ counted: number; next?: string }> {
  const { reportCounters } = deps;
  if (!reportCounters) throw new ValidationError('The report counters are not configured in this deployment.');
  const roster = [...(await deps.listEnrolledUsers())].sort();
  const remaining = after === undefined ? roster : roster.filter((userGuid) => userGuid > after);
  const page = remaining.slice(0, COVERAGE_BACKFILL_PAGE);
  let counted = 0;
  for (const userGuid of page) {
    const enrollment = await deps.enrollmentStore.get(userGuid);
    if (!enrollment) continue;
    await reportCounters.trackCoverage(userGuid, coverageStateOf(enrollment), deps.clock.now());
    counted += 1;
  }
  const last = page[page.length - 1];
  return { counted, ...(remaining.length > page.length && last ? { next: last } : {}) };
}
