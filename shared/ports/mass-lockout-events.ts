import type { MassLockoutEvent } from '../domain/mass-lockout.js';

/** The current mass-lockout event (shared/domain/mass-lockout.ts), read by the lockout watch and inbound SMS. */
export interface MassLockoutEvents {
  /** The event that has not ended at `at`, if any. */
  activeAt(at: Date): Promise<MassLockoutEvent | undefined>;
  /**
   * Starts an event at `now` that ends at `endsAt`, or extends the running one to `endsAt` and adds `lockouts` to it.
   * True when a new event started (the admins were not told of one yet).
   */
  startOrExtend(now: Date, endsAt: Date, lockouts: number): Promise<boolean>;
}
