export * from './contract.js';
export { createAdminActivation, type AdminActivation, type AdminActivationDependencies } from './activation.js';
