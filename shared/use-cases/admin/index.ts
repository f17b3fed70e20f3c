export { createAdminUseCases, type AdminUseCases } from './admin-use-cases.js';
export type { AdminDependencies, AdminRequestContext } from './dependencies.js';
export { auditEventView, type EnrollmentWithDevices } from './enrollments.js';
