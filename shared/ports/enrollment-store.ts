import type { Enrollment } from '../domain/enrollment.js';
import type { IssuedSecret, SecretPurpose } from '../domain/issued-secret.js';

export interface EnrollmentStore {
  get(userGuid: string): Promise<Enrollment | undefined>;
  /** Active enrollments whose verified phone is `phoneE164` (an index query, never a scan). */
  findByPhone(phoneE164: string): Promise<Enrollment[]>;
  /**
   * Writes the enrollment. With `expectedVersion` the write only succeeds when the stored version matches
   * (optimistic concurrency); otherwise it throws ConcurrentUpdateError. New records use expectedVersion 0.
   */
  save(enrollment: Enrollment, expectedVersion: number): Promise<void>;

  /** Stores a hashed one-time secret, replacing any earlier secret of the same purpose for the same user. */
  putSecret(secret: IssuedSecret): Promise<void>;
  /** Reads a secret by its hash without consuming it. */
  findSecret(purpose: SecretPurpose, hash: string): Promise<IssuedSecret | undefined>;
  /**
   * Marks the secret used with a conditional write, so that of two concurrent consumers exactly one gets it.
   * Returns undefined when it is unknown, already used, superseded, or expired at `now`.
   */
  consumeSecret(purpose: SecretPurpose, hash: string, now: Date): Promise<IssuedSecret | undefined>;
}
