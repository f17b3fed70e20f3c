export {
  createLockoutWatch,
  lockoutAlertKey,
  lockoutAlertAnswerKey,
  type LockoutWatch,
  type LockoutWatchDependencies,
  type MassLockoutDependencies,
  type MassLockoutSettings,
  type LockoutScanSummary,
  type FullScanReason,
} from './lockout-watch.js';
export {
  lockoutAlertPush,
  lockoutAlertSms,
  lockoutAlertWebPush,
  lockoutClockTime,
  lockoutTimeWithZone,
  massLockoutAdminAlert,
  massLockoutAlertPush,
  massLockoutAlertSms,
  timeZoneShortName,
} from './messages.js';
