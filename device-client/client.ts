import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { compactDecrypt } from 'jose';
import * as z from 'zod';
import { parseAppEnrollLink } from '../shared/domain/app-link.js';
import {
  deviceHeaders,
  devicePublicKeySchema,
  signDeviceRequest,
  type DevicePublicKey,
} from '../shared/domain/device-signature.js';

/**
 * The reference device client: what the Blink app does, in a few functions. It holds a P-256 private key, registers
 * with a QR binding code, and signs every later request over method, path, timestamp, nonce and body hash.
 */

export interface DeviceKeys {
  privateKey: KeyObject;
  publicKey: DevicePublicKey;
}

/** A fresh P-256 key pair; only the public half ever leaves the device. */
export function generateDeviceKeys(): DeviceKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKey: devicePublicKeySchema.parse(publicKey.export({ format: 'jwk' })) };
}

export interface EnrollUri {
  version: 1;
  /** API base URL (PUBLIC_BASE_URL), without a trailing slash. */
  api: string;
  bindingCode: string;
}

/** Whether a URL's host is this machine: 127.0.0.0/8, ::1 or localhost (the only places plain http is acceptable). */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host === '[::1]') return true;
  const octets = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return octets !== null && octets[1] === '127' && octets.slice(2).every((octet) => Number(octet) <= 255);
}

/**
 * The API base URL, checked: https, or plain http only on loopback (the local runtime). Anywhere else http would carry
 * the binding code and the signed requests in the clear, so the client refuses it rather than fall back silently.
 */
export function checkApiUrl(api: string): string {
  let url: URL;
  try {
    url = new URL(api);
  } catch {
    throw new Error(`Not a valid API URL: ${api}`);
  }
  if (url.protocol === 'https:') return api;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return api;
  if (url.protocol === 'http:') {
    throw new Error(
      `Refusing the plain http:// API URL ${url.origin}: the app talks to Blink over https:// only (http:// is allowed for 127.0.0.1, ::1 and localhost, the local runtime).`,
    );
  }
  throw new Error(`Not an https:// API URL: ${url.origin}`);
}

/**
 * Parses the setup page's enrollment link: the https app link `<PUBLIC_BASE_URL>/app/enroll#<binding code>` (what the
 * QR code carries), or the older `blink://enroll?v=1&api=<url>&code=<binding code>`.
 */
export function parseEnrollUri(uri: string): EnrollUri {
  const appLink = parseAppEnrollLink(uri);
  if (appLink) return { version: 1, api: checkApiUrl(appLink.api), bindingCode: appLink.bindingCode };
  let url: URL;
  try {
    url = new URL(uri.trim());
  } catch {
    throw new Error(
      'Not a Blink enrollment link: expected <Blink URL>/app/enroll#<code> or blink://enroll?v=1&api=…&code=…',
    );
  }
  if (url.protocol !== 'blink:' || url.hostname !== 'enroll') {
    throw new Error(
      'Not a Blink enrollment link: expected <Blink URL>/app/enroll#<code> or blink://enroll?v=1&api=…&code=…',
    );
  }
  if (url.searchParams.get('v') !== '1')
    throw new Error('Unsupported enrollment link version (this client understands v=1)');
  const api = z.url({ protocol: /^https?$/ }).safeParse(url.searchParams.get('api') ?? '');
  if (!api.success) throw new Error('The enrollment link has no valid api URL');
  checkApiUrl(api.data);
  const bindingCode = url.searchParams.get('code') ?? '';
  if (!/^[A-Za-z0-9_-]{22,128}$/.test(bindingCode)) throw new Error('The enrollment link has no valid binding code');
  return { version: 1, api: api.data.replace(/\/+$/, ''), bindingCode };
}

export type UnlockMethod = 'none' | 'pin' | 'biometric';
export type Platform = 'ios' | 'android' | 'other';

export interface RegisteredDevice {
  deviceId: string;
  account: { displayName: string; samAccountName: string };
}

const registeredSchema = z.object({
  deviceId: z.string(),
  account: z.object({ displayName: z.string(), samAccountName: z.string() }),
});

export class DeviceApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DeviceApiError';
  }
}

const errorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

async function failure(response: Response): Promise<DeviceApiError> {
  const parsed = errorBodySchema.safeParse(await response.json().catch(() => undefined));
  return parsed.success
    ? new DeviceApiError(response.status, parsed.data.error.code, parsed.data.error.message)
    : new DeviceApiError(response.status, 'UNKNOWN', `HTTP ${response.status}`);
}

/** Registers the device's public key with a binding code (unsigned: the single-use code is the proof). */
export async function registerDevice(
  api: string,
  request: {
    bindingCode: string;
    publicKey: DevicePublicKey;
    unlockMethod: UnlockMethod;
    platform: Platform;
    pushToken?: string;
  },
): Promise<RegisteredDevice> {
  const response = await fetch(`${checkApiUrl(api)}/api/device/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  if (response.status !== 201) throw await failure(response);
  return registeredSchema.parse(await response.json());
}

export interface SignedRequestHeaders {
  [deviceHeaders.deviceId]: string;
  [deviceHeaders.timestamp]: string;
  [deviceHeaders.nonce]: string;
  [deviceHeaders.signature]: string;
}

/**
 * The x-blink-* headers of a signed request. `path` is the route path (e.g. /api/device/status) — what API Gateway
 * passes the function as `event.path`, whatever stage prefix the base URL has.
 */
export function signRequest(
  device: { deviceId: string; privateKey: KeyObject },
  request: { method: string; path: string; body?: string; timestamp?: number; nonce?: string },
): SignedRequestHeaders {
  const timestamp = request.timestamp ?? Date.now();
  const nonce = request.nonce ?? randomBytes(16).toString('base64url');
  const signature = signDeviceRequest(device.privateKey, {
    method: request.method,
    path: request.path,
    timestamp,
    nonce,
    body: request.body ?? '',
  });
  return {
    [deviceHeaders.deviceId]: device.deviceId,
    [deviceHeaders.timestamp]: String(timestamp),
    [deviceHeaders.nonce]: nonce,
    [deviceHeaders.signature]: signature,
  };
}

/** A registered device talking to the API with signed requests. */
export class DeviceClient {
  constructor(
    readonly api: string,
    readonly deviceId: string,
    private readonly privateKey: KeyObject,
    /** The time requests are stamped with (ms since the epoch): the device's clock; tests pass the server's. */
    private readonly now: () => number = Date.now,
  ) {
    checkApiUrl(api);
  }

  /** Sends a signed request; `headers` lets tests replay or tamper with a request. */
  async send(
    method: string,
    path: string,
    options: { body?: string; headers?: SignedRequestHeaders } = {},
  ): Promise<Response> {
    const body = options.body ?? '';
    const headers =
      options.headers ??
      signRequest(
        { deviceId: this.deviceId, privateKey: this.privateKey },
        { method, path, body, timestamp: this.now() },
      );
    return fetch(`${this.api}${path}`, {
      method,
      headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body } : {}),
    });
  }

  headersFor(
    method: string,
    path: string,
    body = '',
    overrides: { timestamp?: number; nonce?: string } = {},
  ): SignedRequestHeaders {
    return signRequest(
      { deviceId: this.deviceId, privateKey: this.privateKey },
      { method, path, body, timestamp: this.now(), ...overrides },
    );
  }

  async status(): Promise<unknown> {
    const response = await this.send('GET', '/api/device/status');
    if (response.status !== 200) throw await failure(response);
    return response.json();
  }

  /** Asks for a new password or an unlock (signed, body `{}`); returns the request id to poll. */
  async request(kind: 'reset' | 'unlock'): Promise<string> {
    const response = await this.send('POST', `/api/device/${kind}`, { body: '{}' });
    if (response.status !== 202) throw await failure(response);
    return requestAcceptedSchema.parse(await response.json()).requestId;
  }

  /** One signed read of a request's answer, as the server sends it (a password arrives as a JWE, once). */
  async fetchResult(requestId: string): Promise<AppRequestResult> {
    const response = await this.send('GET', `/api/device/requests/${encodeURIComponent(requestId)}`);
    if (response.status !== 200) throw await failure(response);
    return appRequestResultSchema.parse(await response.json());
  }

  /**
   * Polls the request until it is no longer pending or the deadline passes, and decrypts a password with the
   * device's private key. The password is returned to the caller only: never stored by the client.
   */
  async awaitAnswer(requestId: string, options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<AppAnswer> {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    for (;;) {
      const result = await this.fetchResult(requestId);
      if (result.state === 'password-ready') {
        return {
          state: 'password-ready',
          requestId,
          password: await decryptPassword(result.jwe, this.privateKey, { deviceId: this.deviceId, requestId }),
        };
      }
      if (result.state !== 'pending') return { ...result, requestId };
      if (Date.now() >= deadline) throw new AnswerTimeoutError(requestId);
      await delay(options.intervalMs ?? 1000);
    }
  }

  /** Reset from the app: request, wait for the answer, decrypt. */
  async reset(options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<AppAnswer> {
    return this.awaitAnswer(await this.request('reset'), options);
  }

  async unlock(options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<AppAnswer> {
    return this.awaitAnswer(await this.request('unlock'), options);
  }
}

const requestAcceptedSchema = z.object({ requestId: z.string() });

/** The server's answer to a request (docs/design/reset.md). */
export const appRequestResultSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('pending') }),
  z.object({ state: z.literal('password-ready'), jwe: z.string() }),
  z.object({ state: z.literal('unlocked') }),
  z.object({ state: z.literal('not-locked') }),
  z.object({ state: z.literal('failed'), message: z.string() }),
  z.object({ state: z.literal('gone') }),
]);
export type AppRequestResult = z.infer<typeof appRequestResultSchema>;

/** What the app shows: the decrypted password, or the other outcome. */
export type AppAnswer = { requestId: string } & (
  | { state: 'password-ready'; password: string }
  | { state: 'unlocked' }
  | { state: 'not-locked' }
  | { state: 'failed'; message: string }
  | { state: 'gone' }
);

export class AnswerTimeoutError extends Error {
  constructor(readonly requestId: string) {
    super(`No answer to request ${requestId} yet; it is still pending.`);
    this.name = 'AnswerTimeoutError';
  }
}

/**
 * Opens the JWE (ECDH-ES+A256KW / A256GCM only) and checks its authenticated header names this device and this
 * request, so an answer meant for another request is never shown as this one's.
 */
export async function decryptPassword(
  jwe: string,
  privateKey: KeyObject,
  expected: { deviceId: string; requestId: string },
): Promise<string> {
  const { plaintext, protectedHeader } = await compactDecrypt(jwe, privateKey, {
    keyManagementAlgorithms: ['ECDH-ES+A256KW'],
    contentEncryptionAlgorithms: ['A256GCM'],
  });
  // `blink_request`: the request id the server puts in the protected header (shared/adapters/dynamodb/password-delivery.ts).
  if (protectedHeader.kid !== expected.deviceId || protectedHeader['blink_request'] !== expected.requestId) {
    throw new Error('The encrypted password was not made for this device and request.');
  }
  return new TextDecoder().decode(plaintext);
}

/** What the CLI keeps between runs (the private key included, so the file is written owner-only). */
export const deviceStateSchema = z.object({
  version: z.literal(1),
  api: z.url(),
  deviceId: z.string(),
  privateKey: z.record(z.string(), z.string()),
  publicKey: devicePublicKeySchema,
  unlockMethod: z.enum(['none', 'pin', 'biometric']),
  platform: z.enum(['ios', 'android', 'other']),
  account: z.object({ displayName: z.string(), samAccountName: z.string() }),
});
export type DeviceState = z.infer<typeof deviceStateSchema>;

/** Enrolls from a QR URI: new key pair, registration, and the state to keep. */
export async function enroll(
  uri: string,
  options: { unlockMethod: UnlockMethod; platform?: Platform },
): Promise<{ state: DeviceState; client: DeviceClient }> {
  const link = parseEnrollUri(uri);
  const keys = generateDeviceKeys();
  const platform = options.platform ?? 'other';
  const registered = await registerDevice(link.api, {
    bindingCode: link.bindingCode,
    publicKey: keys.publicKey,
    unlockMethod: options.unlockMethod,
    platform,
  });
  const state: DeviceState = {
    version: 1,
    api: link.api,
    deviceId: registered.deviceId,
    privateKey: z.record(z.string(), z.string()).parse(keys.privateKey.export({ format: 'jwk' })),
    publicKey: keys.publicKey,
    unlockMethod: options.unlockMethod,
    platform,
    account: registered.account,
  };
  return { state, client: new DeviceClient(link.api, registered.deviceId, keys.privateKey) };
}

/** The client for a stored state (`now`: the clock requests are stamped with, the system's by default). */
export function clientFromState(state: DeviceState, now?: () => number): DeviceClient {
  return new DeviceClient(state.api, state.deviceId, createPrivateKey({ key: state.privateKey, format: 'jwk' }), now);
}
