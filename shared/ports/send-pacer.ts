/**
 * The SMS numbers' shared schedule: runs of paced messages (mass-lockout alerts, SMS reminders) reserve consecutive
 * seconds of it, so two runs queued at once do not send at twice the rate.
 */
export interface SendPacer {
  /**
   * Reserves `seconds` (a share of a second for one message; kept in whole milliseconds, rounded up) of sending, from `now` or from the end of the last reservation if that is later;
   * returns where the reserved seconds start. Concurrent reservations never overlap.
   */
  reserve(seconds: number, now: Date): Promise<Date>;
}
