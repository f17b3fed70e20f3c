/** The wording of lockout alerts. Times are shown as HH:MM (24 h) in the configured time zone. */

export function lockoutClockTime(lockedAt: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(lockedAt);
}

/** The SMS to the verified phone: the reply words are the inbound-SMS commands (docs/design/reset.md). */
export function lockoutAlertSms(productName: string, lockedAt: Date, timeZone: string): string {
  return `${productName}: your Windows account was locked at ${lockoutClockTime(lockedAt, timeZone)}. Reply UNLOCK to unlock it or RESET for a new password.`;
}

/** The push to each bound device: the app offers Unlock and Reset itself. */
export function lockoutAlertPush(productName: string, lockedAt: Date, timeZone: string): { title: string; body: string } {
  return {
    title: `${productName}: account locked`,
    body: `Your Windows account was locked at ${lockoutClockTime(lockedAt, timeZone)}. Open ${productName} to unlock it or get a new password.`,
  };
}
