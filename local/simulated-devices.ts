import * as z from 'zod';
import {
  AnswerTimeoutError,
  DeviceApiError,
  DeviceClient,
  generateDeviceKeys,
  parseEnrollUri,
  registerDevice,
  type AppAnswer,
} from '../device-client/client.js';
import type { Device } from '../shared/domain/device.js';
import { NotFoundError, ValidationError } from '../shared/domain/errors.js';
import { parseJson } from '../shared/validation/parse-json.js';

/**
 * The console's simulated phones: the reference device client played by the local runtime. Each device's private key
 * lives in this object only (never written to disk, never logged); requests are signed and sent to the runtime's own
 * API, exactly as the app sends them. A decrypted password is handed back to the caller (the console's "phone
 * screen") and kept nowhere.
 */

export type DeviceAction = 'status' | 'reset' | 'unlock';

export interface SimulatedDeviceView {
  deviceId: string;
  account: { displayName: string; samAccountName: string };
  unlockMethod: 'none' | 'pin' | 'biometric';
  platform: 'ios' | 'android' | 'other';
  /** When the server bound the device (its device record), ISO 8601. */
  boundAt: string;
  /** When an admin revoked it, if so (the server's device record). */
  revokedAt?: string;
}

/** What the simulated phone shows after an action. `password` only for a reset that produced one. */
export interface DeviceActionOutcome {
  deviceId: string;
  action: DeviceAction;
  outcome: 'status' | 'password-ready' | 'unlocked' | 'not-locked' | 'failed' | 'gone' | 'pending' | 'refused';
  /** A sentence for the screen; never contains the password. */
  message: string;
  requestId?: string;
  password?: string;
  /** The signed GET /api/device/status answer. */
  status?: unknown;
  /** The API's refusal (e.g. 401 DEVICE_UNAUTHORIZED for a revoked device, 429 RATE_LIMITED). */
  refusal?: { httpStatus: number; code: string };
}

/** A console answer: the status and JSON body the runtime sends. */
export interface ConsoleAnswer<T> {
  status: number;
  body: T;
}

export interface SimulatedDevicesOptions {
  /** The runtime's own URL: every request goes there, whatever public base URL the links carry. */
  apiUrl: string;
  /** The public base URL the setup page puts in the QR link (`api=`); links for another Blink are refused. */
  publicBaseUrl: string;
  /** The clock requests are stamped with (ms): the runtime's, so a manual test clock stays within the allowed skew. */
  now: () => number;
  /** The server's device records, for bound and revoked times. */
  deviceRecord: (deviceId: string) => Promise<Device | undefined>;
  /** How long a reset or unlock waits for the directory worker's answer before saying it is still pending. */
  answerTimeoutMs: number;
  /** How often the answer is polled while pending. */
  answerIntervalMs?: number;
}

const enrollRequestSchema = z
  .object({
    uri: z
      .string({ error: 'must be the setup link shown under the QR code' })
      .trim()
      .min(1, 'must be the setup link shown under the QR code')
      .max(2048, 'must be at most 2048 characters'),
    unlockMethod: z
      .enum(['none', 'pin', 'biometric'], { error: 'must be none, pin or biometric' })
      .default('biometric'),
    platform: z.enum(['ios', 'android', 'other'], { error: 'must be ios, android or other' }).default('other'),
  })
  .strict();

const DEVICE_ACTION_PATH = /^\/_local\/api\/devices\/([^/]+)\/(status|reset|unlock)$/;

/** `/_local/api/devices/{deviceId}/status|reset|unlock` → its parts; undefined for any other path. */
export function deviceActionRoute(pathname: string): { deviceId: string; action: DeviceAction } | undefined {
  const match = DEVICE_ACTION_PATH.exec(pathname);
  if (!match?.[1] || !match[2]) return undefined;
  let deviceId: string;
  try {
    deviceId = decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
  return { deviceId, action: match[2] as DeviceAction };
}

/**
 * Whether a browser sent the request from another site (Fetch Metadata). The console has no login: without this, any
 * web page open in the same browser could make a simulated phone reset a password (with a real directory configured,
 * a real one), even though it could not read the answer. Scripts and curl send no such header.
 */
export function isCrossSiteRequest(headers: Record<string, string | string[] | undefined>): boolean {
  const site = headers['sec-fetch-site'];
  return site !== undefined && site !== 'same-origin' && site !== 'none';
}

interface SimulatedDevice {
  client: DeviceClient;
  account: SimulatedDeviceView['account'];
  unlockMethod: SimulatedDeviceView['unlockMethod'];
  platform: SimulatedDeviceView['platform'];
  enrolledAt: Date;
}

const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, '');

export class SimulatedDevices {
  private readonly devices = new Map<string, SimulatedDevice>();

  constructor(private readonly options: SimulatedDevicesOptions) {}

  /** The simulated devices, oldest first, with the server's bound and revoked times. */
  async list(): Promise<SimulatedDeviceView[]> {
    return Promise.all([...this.devices.entries()].map(([deviceId, device]) => this.view(deviceId, device)));
  }

  /**
   * Enrolls a new simulated device from the QR link's text (`{uri, unlockMethod, platform}` as JSON): new P-256 key
   * pair, registration with the binding code, as the app does. 201 with the device, or the API's refusal.
   */
  async enroll(
    bodyText: string,
  ): Promise<ConsoleAnswer<SimulatedDeviceView | { error: { code: string; message: string } }>> {
    const { uri, unlockMethod, platform } = parseJson(
      enrollRequestSchema,
      bodyText,
      'enrollment',
      '{"uri": "blink://enroll?v=1&api=…&code=…", "unlockMethod": "biometric", "platform": "ios"}',
    );

    let link: ReturnType<typeof parseEnrollUri>;
    try {
      link = parseEnrollUri(uri);
    } catch (error) {
      throw new ValidationError(`Invalid enrollment: ${error instanceof Error ? error.message : String(error)}.`);
    }
    const ours = [this.options.publicBaseUrl, this.options.apiUrl].map(withoutTrailingSlash);
    if (!ours.includes(link.api)) {
      throw new ValidationError(
        `Invalid enrollment: the link is for the Blink at ${link.api}; this console plays the app against ${ours[0]} only.`,
      );
    }

    const keys = generateDeviceKeys();
    try {
      const registered = await registerDevice(this.options.apiUrl, {
        bindingCode: link.bindingCode,
        publicKey: keys.publicKey,
        unlockMethod,
        platform,
      });
      const device: SimulatedDevice = {
        client: new DeviceClient(this.options.apiUrl, registered.deviceId, keys.privateKey, this.options.now),
        account: registered.account,
        unlockMethod,
        platform,
        enrolledAt: new Date(this.options.now()),
      };
      this.devices.set(registered.deviceId, device);
      return { status: 201, body: await this.view(registered.deviceId, device) };
    } catch (error) {
      if (error instanceof DeviceApiError)
        return { status: error.status, body: { error: { code: error.code, message: error.message } } };
      throw error;
    }
  }

  /** Runs one of the app's signed requests for a simulated device and says what the phone would show. */
  async act(deviceId: string, action: DeviceAction): Promise<DeviceActionOutcome> {
    const device = this.devices.get(deviceId);
    if (!device)
      throw new NotFoundError(
        'No simulated device with this id (the console forgets its devices when Blink restarts).',
      );
    const { client, account } = device;
    const who = `${account.displayName} (${account.samAccountName})`;
    let requestId: string | undefined;
    try {
      if (action === 'status') {
        return { deviceId, action, outcome: 'status', message: `Enrolled as ${who}.`, status: await client.status() };
      }
      requestId = await client.request(action);
      const answer = await client.awaitAnswer(requestId, {
        timeoutMs: this.options.answerTimeoutMs,
        intervalMs: this.options.answerIntervalMs ?? 250,
      });
      return { deviceId, action, requestId, ...describeAnswer(answer, who) };
    } catch (error) {
      if (error instanceof AnswerTimeoutError) {
        const seconds = Math.round(this.options.answerTimeoutMs / 1000);
        return {
          deviceId,
          action,
          requestId: error.requestId,
          outcome: 'pending',
          message: `Still pending after ${seconds} s: the directory worker has not answered request ${error.requestId} yet.`,
        };
      }
      if (error instanceof DeviceApiError) {
        return {
          deviceId,
          action,
          ...(requestId ? { requestId } : {}),
          outcome: 'refused',
          message: `The API refused: ${error.message}`,
          refusal: { httpStatus: error.status, code: error.code },
        };
      }
      throw error;
    }
  }

  private async view(deviceId: string, device: SimulatedDevice): Promise<SimulatedDeviceView> {
    const record = await this.options.deviceRecord(deviceId);
    return {
      deviceId,
      account: device.account,
      unlockMethod: device.unlockMethod,
      platform: device.platform,
      boundAt: (record?.boundAt ?? device.enrolledAt).toISOString(),
      ...(record?.revokedAt ? { revokedAt: record.revokedAt.toISOString() } : {}),
    };
  }
}

/** The phone's screen for an answer; the password travels in its own field, never in the sentence. */
function describeAnswer(answer: AppAnswer, who: string): Pick<DeviceActionOutcome, 'outcome' | 'message' | 'password'> {
  switch (answer.state) {
    case 'password-ready':
      return { outcome: 'password-ready', message: `New Windows password for ${who}:`, password: answer.password };
    case 'unlocked':
      return { outcome: 'unlocked', message: `The Windows account of ${who} is unlocked.` };
    case 'not-locked':
      return { outcome: 'not-locked', message: `The Windows account of ${who} is not locked.` };
    case 'failed':
      return { outcome: 'failed', message: answer.message };
    case 'gone':
      return { outcome: 'gone', message: 'The answer is gone: it was fetched already or it expired. Ask again.' };
  }
}
