export {
  createLockoutWatch,
  lockoutAlertKey,
  lockoutAlertAnswerKey,
  type LockoutWatch,
  type LockoutWatchDependencies,
  type LockoutScanSummary,
  type FullScanReason,
} from './lockout-watch.js';
export {
  lockoutAlertPush,
  lockoutAlertSms,
  lockoutAlertWebPush,
  lockoutClockTime,
  lockoutTimeWithZone,
  timeZoneShortName,
} from './messages.js';
