export { unlinkDevice, deviceUnlinkedEmail, type UnlinkDependencies } from './unlink.js';
export {
  createWebAuthnUseCases,
  requiresUserVerification,
  ASSERTION_CHALLENGE_TTL_SECONDS,
  type WebAuthnUseCases,
  type WebAuthnDependencies,
  type DeviceAction,
} from './webauthn.js';
