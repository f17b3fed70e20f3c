/**
 * Keys recorded once with a conditional write: inbound message ids (SNS may deliver a message twice), lockout events
 * already alerted. Of two concurrent first sightings exactly one gets `true`.
 */
export interface OnceKeys {
  /** True the first time `key` is recorded, false when it was recorded before. Kept at least until `keepUntil`. */
  recordFirst(key: string, keepUntil: Date): Promise<boolean>;
  /**
   * Removes a key whose work failed after it was recorded, so the retry of the same delivery is not taken for a
   * duplicate and dropped. Only the caller that got `true` from recordFirst may forget the key.
   */
  forget(key: string): Promise<void>;
}
