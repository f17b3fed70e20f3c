export { type AppRequestKind, type AppRequestUseCases, createAppRequestUseCases, resetLimitKeys, type ResetLimits } from './app-request-use-cases.js';
