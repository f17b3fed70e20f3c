/** The outcome of an app (device) request, as the app fetches it. Never holds a plaintext password. */
export type AppRequestResult =
  | { state: 'pending' }
  /** AD accepted the new password; `jwe` is it, encrypted to the device's public key (compact JWE). */
  | { state: 'password-ready'; jwe: string }
  | { state: 'unlocked' }
  | { state: 'not-locked' }
  | { state: 'failed'; message: string }
  /** The password was fetched already, or the window passed: it is gone. */
  | { state: 'gone' };

export interface AppRequestRecipient {
  jobId: string;
  deviceId: string;
  userGuid: string;
}

/**
 * Where the directory worker leaves the answer to an app request, and where the app picks it up (signed request).
 * A password is encrypted to the device before it is stored, can be taken once, and expires after a short window.
 */
export interface PasswordDelivery {
  /** Records the request as pending (the api function, when it enqueues the job). */
  open(recipient: AppRequestRecipient, expiresAt: Date): Promise<void>;
  /** Encrypts `password` to the device's public key and stores only the ciphertext. */
  deliverPassword(recipient: AppRequestRecipient, password: string, expiresAt: Date): Promise<void>;
  /** Any other outcome (unlocked, not-locked, failed). */
  deliverOutcome(
    recipient: AppRequestRecipient,
    outcome: Exclude<AppRequestResult, { state: 'pending' | 'password-ready' | 'gone' }>,
    expiresAt: Date,
  ): Promise<void>;
  /**
   * True while the request is still waiting for its answer (opened, pending, not expired). The worker checks it before
   * writing to AD, so a job that runs after the app gave up changes no password nobody will receive.
   */
  isAwaiting(recipient: AppRequestRecipient, now: Date): Promise<boolean>;
  /** Reads the result for the device; a 'password-ready' result is consumed by this read (conditional write). */
  take(jobId: string, deviceId: string, now: Date): Promise<AppRequestResult | undefined>;
}

/** The side of the app results the api function needs: it opens requests and hands out their answers. */
export type AppRequestResults = Omit<PasswordDelivery, 'deliverPassword'>;
