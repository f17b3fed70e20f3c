import { benchExitCode, budgetMisses, budgetSummary } from '../../scripts/bench/budget.js';

const budgets = { sizeKb: 400, initOverBaselineMs: 60 };
const budgeted = new Set(['api', 'inbound-sms']);

describe('bench budgets', () => {
  const within = [
    { name: 'api', sizeKb: 390, initOverBaselineMs: 59.9 },
    { name: 'inbound-sms', sizeKb: 400, initOverBaselineMs: 60 },
    { name: 'directory-worker', sizeKb: 900, initOverBaselineMs: 300 },
  ];
  const over = [
    { name: 'api', sizeKb: 412.34, initOverBaselineMs: 75 },
    { name: 'inbound-sms', sizeKb: 100, initOverBaselineMs: 10 },
  ];

  it('finds no miss within budget (and ignores bundles without one)', () => {
    expect(budgetMisses(within, budgets, budgeted)).toEqual([]);
    expect(benchExitCode([], false)).toBe(0);
    expect(benchExitCode([], true)).toBe(0);
    expect(budgetSummary([], true)).toBe('Budgets: all met.');
  });

  it('says which budget a bundle missed and by what figure', () => {
    expect(budgetMisses(over, budgets, budgeted)).toEqual([
      { name: 'api', reasons: ['size 412.3 KB > 400 KB', 'init 75.0 ms over baseline > 60 ms'] },
    ]);
  });

  it('exits 0 on a miss by default, saying so, and 1 only with --strict', () => {
    const misses = budgetMisses(over, budgets, budgeted);
    expect(benchExitCode(misses, false)).toBe(0);
    expect(benchExitCode(misses, true)).toBe(1);
    expect(budgetSummary(misses, false)).toBe(
      'Budgets: 1 missed.\n  api: size 412.3 KB > 400 KB; init 75.0 ms over baseline > 60 ms\nExit code 0: figures only (run with --strict to fail on a missed budget).',
    );
    expect(budgetSummary(misses, true)).toMatch(/Exit code 1 \(--strict\)\.$/);
  });
});
