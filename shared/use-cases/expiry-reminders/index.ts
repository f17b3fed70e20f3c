export {
  createExpiryReminders,
  type ExpiryReminders,
  type ExpiryReminderDependencies,
  type ExpiryReminderSettings,
  type ExpiryScanCursor,
  type ExpiryScanSummary,
} from './expiry-reminders.js';
export {
  expiryLongTime,
  expiryReminderEmail,
  expiryReminderPush,
  expiryReminderSms,
  expiryReminderWebPush,
  expiryShortTime,
} from './messages.js';
export { daysLeft, dueStep, nextLocalHour } from './steps.js';
