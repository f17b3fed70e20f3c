export { createAccountJobs } from './account-jobs.js';
export type { ResetSettings } from './dependencies.js';
