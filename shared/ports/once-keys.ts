/**
 * Keys recorded once with a conditional write: inbound message ids (SNS may deliver a message twice), lockout events
 * already alerted. Of two concurrent first sightings exactly one gets `true`.
 */
export interface OnceKeys {
  /** True the first time `key` is recorded, false when it was recorded before. Kept at least until `keepUntil`. */
  recordFirst(key: string, keepUntil: Date): Promise<boolean>;
}
