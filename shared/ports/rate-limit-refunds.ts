/**
 * Takes back a hit counted by RateLimiter.hit, for a request that turned out not to use what the limit protects (an
 * UNLOCK of an account that was not locked: no AD write, so it must not cost the user a reset).
 */
export interface RateLimitRefunds {
  /** Removes the hit of `key` counted at `countedAt` (within a minute) if it is still in the window; else nothing. */
  refund(key: string, windowSeconds: number, countedAt: Date): Promise<void>;
}
