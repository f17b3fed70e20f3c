const DAY_MS = 86_400_000;

/**
 * The step a reminder is due for: the smallest configured step (days before the expiry) that the time left has
 * reached. With steps 14, 7, 3, 1: 10 days left → 14, 6 → 7, 2 → 3, 20 hours → 1. A user first seen with 6 days left
 * gets the 7-day reminder only, not the 14-day one as well. None while more than the largest step remains, and none
 * once the password has expired (Windows asks for a new one at sign-in then).
 */
export function dueStep(expiresAt: Date, now: Date, steps: readonly number[]): number | undefined {
  const left = expiresAt.getTime() - now.getTime();
  if (left <= 0) return undefined;
  return [...steps].sort((a, b) => a - b).find((step) => left <= step * DAY_MS);
}

/** Whole days left, rounded up: "in 7 days" for 6 days and 3 hours. */
export function daysLeft(expiresAt: Date, now: Date): number {
  return Math.max(1, Math.ceil((expiresAt.getTime() - now.getTime()) / DAY_MS));
}

/**
 * The next time after `after` at which the clock in `timeZone` shows `hour`:00 (the daily run of the local scheduler;
 * the deployed one is an EventBridge Scheduler cron in the same zone). Walks quarter hours, so zones with :30 and :45
 * offsets work; on the day a daylight-saving change skips that hour there is no run, and on the day it repeats it there
 * are two (each reminder is sent once anyway).
 */
export function nextLocalHour(after: Date, hour: number, timeZone: string): Date {
  const format = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const quarter = 15 * 60_000;
  let candidate = Math.floor(after.getTime() / quarter) * quarter + quarter;
  for (let step = 0; step < 4 * 50; step += 1, candidate += quarter) {
    const parts = format.formatToParts(new Date(candidate));
    const value = (type: string) => Number(parts.find((part) => part.type === type)?.value);
    if (value('hour') === hour && value('minute') === 0) return new Date(candidate);
  }
  throw new RangeError(`no ${hour}:00 in ${timeZone} within two days of ${after.toISOString()}`);
}
