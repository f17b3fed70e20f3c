import * as z from 'zod';
import type { Clock } from '../../ports/clock.js';
import type { RateLimitRefunds } from '../../ports/rate-limit-refunds.js';
import type { RateDecision, RateLimiter } from '../../ports/rate-limiter.js';
import { wroteIfConditionHeld } from './table.js';
import { BlinkTableAdapter } from './table-adapter.js';

/*
 * A sliding log: item pk RATE#<key>, sk SLIDING#<windowSeconds>, hits (the times of the hits of the last window, epoch
 * milliseconds, oldest first), version, expiresAt (TTL: a window after the latest hit). At most `limit` hits fall in
 * any `windowSeconds`, wherever the clock is: a fixed window let two hits a second apart across its edge both through.
 * Each hit reads the log and writes it back on the version it read, so concurrent hits cannot overshoot.
 */

const logSchema = z.object({ hits: z.array(z.number()), version: z.number().int().nonnegative() });

/** Rounds of read-and-write under contention before a hit is refused (fail closed): each round lets one writer win. */
const MAX_ROUNDS = 25;
/** A refund takes back a hit counted within this of the request's time; an older request already left the window. */
const REFUND_MATCH_MS = 60_000;

export class DynamoRateLimiter
  extends BlinkTableAdapter<{ tableName: string; clock: Clock }>
  implements RateLimiter, RateLimitRefunds
{
  async hit(key: string, limit: number, windowSeconds: number): Promise<RateDecision> {
    const windowMs = windowMsOf(windowSeconds);
    if (limit < 1) return { allowed: false, remaining: 0, retryAfterSeconds: windowSeconds };
    for (let round = 1; round <= MAX_ROUNDS; round++) {
      const now = this.options.clock.now().getTime();
      const log = await this.read(key, windowSeconds);
      const recent = log ? log.hits.filter((at) => at > now - windowMs) : [];
      if (recent.length >= limit) {
        // The hit that must leave the window before another one fits.
        const freedAt = (recent[recent.length - limit] ?? now) + windowMs;
        return { allowed: false, remaining: 0, retryAfterSeconds: secondsUntil(freedAt, now) };
      }
      const hits = [...recent, now];
      if (await this.write(key, windowSeconds, hits, log?.version)) {
        return {
          allowed: true,
          remaining: limit - hits.length,
          retryAfterSeconds: secondsUntil((hits[0] ?? now) + windowMs, now),
        };
      }
    }
    return { allowed: false, remaining: 0, retryAfterSeconds: 1 };
  }

  async refund(key: string, windowSeconds: number, countedAt: Date): Promise<void> {
    const windowMs = windowMsOf(windowSeconds);
    for (let round = 1; round <= MAX_ROUNDS; round++) {
      const now = this.options.clock.now().getTime();
      const log = await this.read(key, windowSeconds);
      const recent = log ? log.hits.filter((at) => at > now - windowMs) : [];
      // The hit nearest to when the refunded request was counted, if it is still in the log; the others stay.
      const target = countedAt.getTime();
      const nearest = recent.reduce(
        (best, at, index) => (Math.abs(at - target) < Math.abs((recent[best] ?? at) - target) ? index : best),
        0,
      );
      const hitAt = recent[nearest];
      if (!log || hitAt === undefined || Math.abs(hitAt - target) > REFUND_MATCH_MS) return;
      if (
        await this.write(
          key,
          windowSeconds,
          recent.filter((_, index) => index !== nearest),
          log.version,
        )
      )
        return;
    }
    throw new Error(`rate limit refund of ${key} lost ${MAX_ROUNDS} races in a row`);
  }

  private async read(key: string, windowSeconds: number): Promise<z.infer<typeof logSchema> | undefined> {
    const item = await this.getItem(logKey(key, windowSeconds));
    return item ? logSchema.parse(item) : undefined;
  }

  /** Writes the log on the version read (none: a new log); false when someone wrote in between. */
  private async write(
    key: string,
    windowSeconds: number,
    hits: number[],
    readVersion: number | undefined,
  ): Promise<boolean> {
    const latest = hits.at(-1) ?? this.options.clock.now().getTime();
    return wroteIfConditionHeld(() =>
      this.putItem(
        {
          ...logKey(key, windowSeconds),
          kind: 'rate-log',
          hits,
          version: (readVersion ?? 0) + 1,
          expiresAt: Math.ceil(latest / 1000) + windowSeconds,
        },
        readVersion === undefined
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: 'version = :read', ExpressionAttributeValues: { ':read': readVersion } },
      ),
    );
  }
}

function windowMsOf(windowSeconds: number): number {
  if (!Number.isInteger(windowSeconds) || windowSeconds <= 0)
    throw new RangeError('windowSeconds must be a positive integer');
  return windowSeconds * 1000;
}

function logKey(key: string, windowSeconds: number) {
  return { pk: `RATE#${key}`, sk: `SLIDING#${windowSeconds}` };
}

function secondsUntil(at: number, now: number): number {
  return Math.max(1, Math.ceil((at - now) / 1000));
}
