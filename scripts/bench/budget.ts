/**
 * The bench's budget verdicts, kept pure so the exit-code rule is unit-tested: `npm run bench` reports misses and
 * exits 0 (figures vary with the machine and its load); `--strict` turns a miss into exit code 1, for CI gates.
 */

export interface Budgets {
  sizeKb: number;
  initOverBaselineMs: number;
}

export interface BundleMeasure {
  name: string;
  sizeKb: number;
  /** Init time over the empty bundle's, in ms. */
  initOverBaselineMs: number;
}

export interface BudgetMiss {
  name: string;
  reasons: string[];
}

/** Which budgeted bundles miss which budget, with the figures that say why. */
export function budgetMisses(measures: BundleMeasure[], budgets: Budgets, budgeted: ReadonlySet<string>): BudgetMiss[] {
  const misses: BudgetMiss[] = [];
  for (const measure of measures) {
    if (!budgeted.has(measure.name)) continue;
    const reasons: string[] = [];
    if (measure.sizeKb > budgets.sizeKb) reasons.push(`size ${measure.sizeKb.toFixed(1)} KB > ${budgets.sizeKb} KB`);
    if (measure.initOverBaselineMs > budgets.initOverBaselineMs) {
      reasons.push(`init ${measure.initOverBaselineMs.toFixed(1)} ms over baseline > ${budgets.initOverBaselineMs} ms`);
    }
    if (reasons.length > 0) misses.push({ name: measure.name, reasons });
  }
  return misses;
}

/** 0 unless `strict` and something missed its budget. */
export function benchExitCode(misses: readonly BudgetMiss[], strict: boolean): 0 | 1 {
  return strict && misses.length > 0 ? 1 : 0;
}

/** The closing lines of the bench: every miss and why, and what the exit code is going to be. */
export function budgetSummary(misses: readonly BudgetMiss[], strict: boolean): string {
  if (misses.length === 0) return 'Budgets: all met.';
  const lines = [
    `Budgets: ${misses.length} missed.`,
    ...misses.map((miss) => `  ${miss.name}: ${miss.reasons.join('; ')}`),
  ];
  lines.push(
    strict ? 'Exit code 1 (--strict).' : 'Exit code 0: figures only (run with --strict to fail on a missed budget).',
  );
  return lines.join('\n');
}
