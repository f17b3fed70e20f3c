import { createECDH } from 'node:crypto';
import * as z from 'zod';
import { UUID_PATTERN } from '../validation/uuid.js';

/**
 * Web Push (RFC 8030) to the installed web app: the browser's push service gives the app a subscription (an endpoint
 * URL and the keys RFC 8291 encrypts to); Blink signs its requests with its VAPID key pair (RFC 8292).
 */

const base64url = /^[A-Za-z0-9_-]+$/;

/** A base64url string (no padding) that decodes to exactly `bytes` bytes, optionally starting with `firstByte`. */
const base64urlBytes = (bytes: number, what: string, firstByte?: number) =>
  z
    .string()
    .regex(base64url, `${what} must be base64url without padding`)
    .refine((value) => {
      const decoded = Buffer.from(value, 'base64url');
      return (
        decoded.length === bytes &&
        (firstByte === undefined || decoded[0] === firstByte) &&
        decoded.toString('base64url') === value
      );
    }, `${what} must be ${bytes} bytes`);

/** An uncompressed P-256 point (0x04 || X || Y): the subscription's ECDH public key. */
export const p256PublicKeySchema = base64urlBytes(65, 'p256dh', 0x04);
/** The subscription's authentication secret. */
export const authSecretSchema = base64urlBytes(16, 'auth');

export interface WebPushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/**
 * The push services browsers use: Chrome, Edge's Chromium and Samsung Internet (FCM), Firefox (Mozilla), Safari
 * (Apple), legacy Edge (WNS). An endpoint elsewhere is refused, so that a device cannot make the worker (inside the
 * VPC, next to the domain controllers) POST to an address of its choosing.
 */
export const DEFAULT_WEB_PUSH_HOSTS = [
  'fcm.googleapis.com',
  'updates.push.services.mozilla.com',
  '*.push.apple.com',
  '*.notify.windows.com',
] as const;

/** Whether the host is one of the patterns: an exact name, or `*.suffix` for any name below that suffix. */
export function isAllowedPushHost(host: string, patterns: readonly string[]): boolean {
  const name = host.toLowerCase();
  return patterns.some((pattern) => {
    const wanted = pattern.toLowerCase();
    return wanted.startsWith('*.') ? name.endsWith(wanted.slice(1)) : name === wanted;
  });
}

/**
 * A subscription as the app sends it (PushSubscription.toJSON()): an https endpoint on an allowed push service,
 * without credentials in the URL, and well-formed keys.
 */
export function webPushSubscriptionSchema(allowedHosts: readonly string[]) {
  return z.object({
    endpoint: z
      .url({ protocol: /^https$/, error: 'endpoint must be an https URL' })
      .max(2048)
      .refine((value) => {
        const url = new URL(value);
        return url.username === '' && url.password === '' && isAllowedPushHost(url.hostname, allowedHosts);
      }, 'endpoint must be on a known push service'),
    keys: z.object({ p256dh: p256PublicKeySchema, auth: authSecretSchema }),
  });
}

/** Blink's VAPID key pair as stored in its secret: the JSON `web-push generate-vapid-keys --json` prints. */
export const vapidKeysSchema = z.object({
  publicKey: p256PublicKeySchema,
  privateKey: base64urlBytes(32, 'privateKey'),
});
export type VapidKeys = z.infer<typeof vapidKeysSchema>;

/** Parses the stored key pair; the secret's value never appears in the error. */
export function parseVapidKeys(secretValue: string): VapidKeys {
  let json: unknown;
  try {
    json = JSON.parse(secretValue);
  } catch {
    throw new Error('the VAPID secret is not JSON {"publicKey","privateKey"}');
  }
  const parsed = vapidKeysSchema.safeParse(json);
  if (!parsed.success) throw new Error('the VAPID secret must hold {"publicKey","privateKey"} as base64url P-256 keys');
  const derived = createECDH('prime256v1');
  derived.setPrivateKey(Buffer.from(parsed.data.privateKey, 'base64url'));
  if (derived.getPublicKey('base64url') !== parsed.data.publicKey)
    throw new Error('the VAPID public key does not belong to the private key');
  return parsed.data;
}

/** A new VAPID key pair from node:crypto, in the stored JSON form (the local runtime makes one per start). */
export function generateVapidKeys(): string {
  const keys = createECDH('prime256v1');
  keys.generateKeys();
  // Left-padded to 32 bytes: a private key with leading zero bytes is still a 32-byte scalar.
  const privateKey = Buffer.alloc(32);
  const raw = keys.getPrivateKey();
  raw.copy(privateKey, 32 - raw.length);
  return JSON.stringify({ publicKey: keys.getPublicKey('base64url'), privateKey: privateKey.toString('base64url') });
}

/** What the app's service worker is shown (the port's WebPushNotification), as a queued message carries it. */
export const webPushNotificationSchema = z.strictObject({
  title: z.string().min(1).max(200),
  body: z.string().min(1).max(1000),
  data: z.strictObject({ kind: z.string().min(1).max(64), url: z.string().startsWith('/').max(512) }),
  actions: z.array(z.strictObject({ action: z.string().min(1).max(64), title: z.string().min(1).max(64) })).max(4),
});

/**
 * A Web Push waiting on the web-push queue for the sender outside the VPC. Nothing secret: the notification is
 * secret-free, and the subscription's keys stay on the device item (the sender reads them there). The endpoint says
 * which subscription it was meant for, so that a replaced one is not pushed to.
 */
export const queuedWebPushSchema = z.strictObject({
  deviceId: z.string().regex(UUID_PATTERN),
  endpoint: z.url({ protocol: /^https$/ }).max(2048),
  notification: webPushNotificationSchema,
  ttlSeconds: z
    .number()
    .int()
    .min(0)
    .max(28 * 86_400),
  topic: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/)
    .optional(),
});
export type QueuedWebPush = z.infer<typeof queuedWebPushSchema>;
