export {
  issueActivation,
  type ActivationDependencies,
  type ActivationUser,
  type IssueActivationOptions,
  type IssuedActivation,
} from './issue-activation.js';
export { createSetupUseCases, type SetupUseCases, type SetupState } from './setup.js';
export {
  createDeviceUseCases,
  type DeviceUseCases,
  type DeviceRegistration,
  type SignedDeviceRequest,
} from './device.js';
export {
  enrollmentLimits,
  type EnrollmentDependencies,
  type EnrollmentSettings,
  type RequestFacts,
} from './dependencies.js';
