export { createAdminActivation, type AdminActivation, type AdminActivationDependencies } from './admin-activation.js';
