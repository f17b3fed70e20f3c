import type { Device } from '../domain/device.js';

export interface DeviceStore {
  /** Stores a newly bound device; its id must be new. */
  add(device: Device): Promise<void>;
  /** Strongly consistent read, so a revocation takes effect on the next request. */
  get(deviceId: string): Promise<Device | undefined>;
  /** The user's devices, revoked ones included (an index query, never a scan). */
  listForUser(userGuid: string): Promise<Device[]>;
  /** Marks the device revoked at `at` (the first revocation time is kept). False when there is no such device. */
  revoke(deviceId: string, at: Date): Promise<boolean>;
  /**
   * Records a request nonce of a device with a conditional write. True the first time, false when the nonce was seen
   * before, so that of two concurrent uses exactly one is accepted. Kept at least until `keepUntil`.
   */
  rememberNonce(deviceId: string, nonce: string, keepUntil: Date): Promise<boolean>;
}
