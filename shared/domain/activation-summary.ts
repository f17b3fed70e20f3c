import type { ActivationCandidate, SkippedUser } from './worker-admin-contract.js';

/*
 * The end of an activation run in words, as `npm run admin -- activate` prints it. The portal's Activate page
 * (web/portal-admin.js, plain script) writes the same lines; its browser test compares them with these.
 */

/** One line per reason: `  <reason> (<count>): <names>`. */
export function skippedSummaryLines(skipped: ReadonlyArray<SkippedUser>): string[] {
  const byReason = new Map<string, string[]>();
  for (const entry of skipped) byReason.set(entry.reason, [...(byReason.get(entry.reason) ?? []), entry.name]);
  return [...byReason.entries()].map(([reason, names]) => `  ${reason} (${names.length}): ${names.join(', ')}`);
}

/** The summary's parts, in order (the CLI prints each; a part may hold several lines). */
export function activationSummary(
  activated: ReadonlyArray<Pick<ActivationCandidate, 'samAccountName'>>,
  skipped: ReadonlyArray<SkippedUser>,
): string[] {
  const lines = [
    `Activated ${activated.length}${activated.length ? ': ' + activated.map((user) => user.samAccountName).join(', ') : ''}`,
    skipped.length > 0 ? [`Skipped ${skipped.length}:`, ...skippedSummaryLines(skipped)].join('\n') : 'Skipped 0',
  ];
  const unsent = skipped.filter((entry) => entry.reason === 'email-failed');
  if (unsent.length > 0) {
    lines.push(
      `The activation email could not be sent to ${unsent.length} user(s): ${unsent.map((entry) => entry.name).join(', ')}. ` +
        'Their links reached nobody; run the same command again later to send them new ones.',
    );
  }
  return lines;
}
