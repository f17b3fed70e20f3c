export { issueActivation, type ActivationDependencies, type ActivationUser, type IssueActivationOptions, type IssuedActivation } from './activation.js';
