import type { Clock } from '../../ports/clock.js';

/** The real time of the machine. */
export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }
}
