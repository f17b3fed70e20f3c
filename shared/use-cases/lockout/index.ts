export { createLockoutWatch, lockoutAlertKey, type LockoutWatch, type LockoutWatchDependencies, type LockoutScanSummary, type FullScanReason } from './lockout-watch.js';
export { lockedResultSchema, lockedUserSchema, type LockedResult, type LockedUser } from './contract.js';
export { lockoutAlertPush, lockoutAlertSms, lockoutAlertWebPush, lockoutClockTime, lockoutTimeWithZone, timeZoneShortName } from './messages.js';
