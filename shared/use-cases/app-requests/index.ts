export {
  type AppRequestKind,
  type AppRequestUseCases,
  type AuthenticatedDevice,
  createAppRequestUseCases,
  resetLimitKeys,
  type ResetLimits,
} from './app-request-use-cases.js';
export { type CallerApprovalUseCases, createCallerApprovalUseCases } from './caller-approval.js';
