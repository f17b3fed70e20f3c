export { createDirectoryJobHandlers, type JobDelivery, type JobHandlers } from './directory-job-handlers.js';
