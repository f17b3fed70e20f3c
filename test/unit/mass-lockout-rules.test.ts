import { isMassLockout, MASS_LOCKOUT_PERCENT_MINIMUM } from '../../shared/domain/mass-lockout.js';
import { pacedRunSeconds, pacedSendTime, queueDelayFor } from '../../shared/use-cases/messaging/index.js';

// The mass-lockout threshold and the pacing of sends: pure rules, so every edge is tested here.

describe('mass lockout threshold', () => {
  const enrolled = (count: number) => async () => count;

  it('more new lockouts than the absolute threshold is a mass lockout; as many is not', async () => {
    const thresholds = { absolute: 50, percent: 0 };
    await expect(isMassLockout(51, thresholds, enrolled(100_000))).resolves.toBe(true);
    await expect(isMassLockout(50, thresholds, enrolled(100_000))).resolves.toBe(false);
  });

  it('more than the percentage of enrolled users is one too, from 10 lockouts on', async () => {
    const thresholds = { absolute: 1000, percent: 5 };
    // 5 % of 400 is 20.
    await expect(isMassLockout(21, thresholds, enrolled(400))).resolves.toBe(true);
    await expect(isMassLockout(20, thresholds, enrolled(400))).resolves.toBe(false);
    // 9 of 20 is 45 %, but a small team's morning is not a spray.
    await expect(isMassLockout(MASS_LOCKOUT_PERCENT_MINIMUM - 1, thresholds, enrolled(20))).resolves.toBe(false);
    await expect(isMassLockout(MASS_LOCKOUT_PERCENT_MINIMUM, thresholds, enrolled(20))).resolves.toBe(true);
  });

  it('percent 0 turns the percentage rule off; the enrolled count is read only when that rule decides', async () => {
    let reads = 0;
    const counting = async () => {
      reads += 1;
      return 10;
    };
    await expect(isMassLockout(40, { absolute: 50, percent: 0 }, counting)).resolves.toBe(false);
    await expect(isMassLockout(60, { absolute: 50, percent: 5 }, counting)).resolves.toBe(true);
    await expect(isMassLockout(3, { absolute: 50, percent: 5 }, counting)).resolves.toBe(false);
    expect(reads).toBe(0);
    await expect(isMassLockout(40, { absolute: 50, percent: 5 }, counting)).resolves.toBe(true);
    expect(reads).toBe(1);
  });
});

describe('send pacing', () => {
  const start = new Date('2026-12-05T10:00:00.000Z');

  it('puts at most perSecond sends in each second (3 a second for a toll-free number)', () => {
    const times = Array.from({ length: 10 }, (_, index) => pacedSendTime(start, index, 3).getTime() - start.getTime());
    expect(times).toEqual([0, 0, 0, 1000, 1000, 1000, 2000, 2000, 2000, 3000]);
    expect(pacedRunSeconds(10, 3)).toBe(4);
    expect(pacedRunSeconds(9, 3)).toBe(3);
    expect(pacedRunSeconds(300, 3)).toBe(100);
  });

  it('turns a send time into a queue delay in whole seconds, never negative, at most the queue maximum (900 s)', () => {
    expect(queueDelayFor(new Date(start.getTime() + 2500), start)).toBe(3);
    expect(queueDelayFor(new Date(start.getTime() - 5000), start)).toBe(0);
    expect(queueDelayFor(new Date(start.getTime() + 3600_000), start)).toBe(900);
  });
});
