export interface RateDecision {
  allowed: boolean;
  /** Hits left in the window after this one (0 when refused). */
  remaining: number;
  /** Refused: seconds until a hit fits again. Allowed: seconds until the oldest hit of the window leaves it. */
  retryAfterSeconds: number;
}

/** Sliding-window limits kept outside the process (DynamoDB), so they hold across Lambda instances. */
export interface RateLimiter {
  /** Counts one hit against `key` and says whether it is within `limit` per `windowSeconds`. */
  hit(key: string, limit: number, windowSeconds: number): Promise<RateDecision>;
}
