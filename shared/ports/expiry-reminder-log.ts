/**
 * One reminder: a user, the expiry it is about (a new password is a new expiry, with steps of its own) and the step
 * (days before the expiry) it is sent for.
 */
export interface ExpiryReminderKey {
  userGuid: string;
  expiresAt: Date;
  /** Days before the expiry: one of the configured steps (14, 7, 3, 1 by default). */
  step: number;
}

/** What reached the user, kept with the claimed reminder. */
export interface ExpiryReminderOutcome {
  email: 'sent' | 'no-mail' | 'failed';
  /** `queued`: paced to the SMS numbers' throughput, sent by its own job. */
  sms: 'sent' | 'queued' | 'opted-out' | 'no-phone' | 'off' | 'failed';
  pushes: number;
  sentAt: Date;
}

/**
 * The reminders already sent, one item per user + expiry + step. `claim` is a conditional write: of two scans (or two
 * deliveries of one job) that reach the same reminder, exactly one gets true and sends it.
 */
export interface ExpiryReminderLog {
  /** True the first time this reminder is claimed; kept at least until `keepUntil`. */
  claim(key: ExpiryReminderKey, keepUntil: Date): Promise<boolean>;
  /** Records what was sent for a claimed reminder. */
  complete(key: ExpiryReminderKey, outcome: ExpiryReminderOutcome): Promise<void>;
  /** Frees a claim whose sending reached nobody (a transient failure), so the retried job sends it. */
  release(key: ExpiryReminderKey): Promise<void>;
  find(key: ExpiryReminderKey): Promise<ExpiryReminderOutcome | 'claimed' | undefined>;
}
