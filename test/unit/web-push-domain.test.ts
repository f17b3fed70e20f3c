import { createECDH, randomBytes } from 'node:crypto';
import {
  generateVapidKeys,
  isAllowedPushHost,
  parseVapidKeys,
  webPushSubscriptionSchema,
} from '../../shared/domain/web-push';

const point = () => {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return ecdh.getPublicKey('base64url');
};
const schema = webPushSubscriptionSchema(['fcm.googleapis.com', '*.push.apple.com']);
const valid = {
  endpoint: 'https://fcm.googleapis.com/fcm/send/abc',
  keys: { p256dh: point(), auth: randomBytes(16).toString('base64url') },
};

describe('web push subscriptions', () => {
  it('accepts a browser subscription on an allowed push service', () => {
    expect(schema.parse(valid)).toEqual(valid);
    expect(schema.safeParse({ ...valid, endpoint: 'https://web.push.apple.com/QGx' }).success).toBe(true);
  });

  it.each([
    ['http endpoint', { ...valid, endpoint: 'http://fcm.googleapis.com/fcm/send/abc' }],
    ['host not on the list', { ...valid, endpoint: 'https://10.0.0.5/fcm/send/abc' }],
    ['look-alike host', { ...valid, endpoint: 'https://fcm.googleapis.com.evil.test/x' }],
    ['suffix without the dot', { ...valid, endpoint: 'https://evilpush.apple.com/x' }],
    ['credentials in the URL', { ...valid, endpoint: 'https://user:pw@fcm.googleapis.com/x' }],
    [
      'compressed point',
      {
        ...valid,
        keys: { ...valid.keys, p256dh: Buffer.from(point(), 'base64url').subarray(0, 33).toString('base64url') },
      },
    ],
    ['auth of 12 bytes', { ...valid, keys: { ...valid.keys, auth: randomBytes(12).toString('base64url') } }],
    ['padded base64', { ...valid, keys: { ...valid.keys, auth: `${randomBytes(16).toString('base64url')}==` } }],
  ])('refuses a %s', (_case, body) => {
    expect(schema.safeParse(body).success).toBe(false);
  });

  it('matches hosts exactly or below a *. suffix', () => {
    expect(isAllowedPushHost('FCM.googleapis.com', ['fcm.googleapis.com'])).toBe(true);
    expect(isAllowedPushHost('a.b.push.apple.com', ['*.push.apple.com'])).toBe(true);
    expect(isAllowedPushHost('push.apple.com', ['*.push.apple.com'])).toBe(false);
  });
});

describe('VAPID keys', () => {
  it('generates a pair that parses back, and refuses a public key of another pair', () => {
    const keys = JSON.parse(generateVapidKeys()) as { publicKey: string; privateKey: string };
    expect(parseVapidKeys(JSON.stringify(keys))).toEqual(keys);
    expect(() => parseVapidKeys(JSON.stringify({ ...keys, publicKey: point() }))).toThrow('does not belong');
    expect(() => parseVapidKeys('placeholder-from-secrets-manager')).toThrow('not JSON');
  });
});
