import { generateDeviceKeys, parseEnrollUri } from '../../device-client/client.js';
import { SNS_PUSH_ENDPOINT_ARN } from '../../shared/domain/push-token.js';
import { activate, testUser } from '../support/activations.js';
import { ManualClock } from '../support/manual-clock.js';
import { postJson, useLocalBlink } from '../support/local-blink.js';

// Push endpoints at registration: a push token is checked per platform at registration, and the device keeps the endpoint the server
// made from it (locally an SNS-shaped endpoint ARN), never what the app sent; an ARN from the app is refused.

const clock = new ManualClock(new Date());
const blink = useLocalBlink({ clock });

beforeEach(() => {
  // Fresh hourly windows for the per-IP registration limit.
  clock.advanceSeconds(3600);
});

const post = (urlPath: string, body: unknown) => postJson(blink, urlPath, body);

async function bindingCodeFor(name: string): Promise<{ bindingCode: string; userGuid: string }> {
  const { token, user } = await activate(blink, testUser(name));
  const qr = await post('/api/setup/qr', { token });
  expect(qr.status).toBe(200);
  return { bindingCode: parseEnrollUri(String(qr.json.uri)).bindingCode, userGuid: user.userGuid };
}

const APNS_TOKEN = 'A1B2C3D4'.repeat(8);
const FCM_TOKEN = `cX9-${'aB3_:'.repeat(30)}`;

describe('device registration with a push token', () => {
  it.each([
    ['ios', APNS_TOKEN, /:endpoint\/APNS\//],
    ['android', FCM_TOKEN, /:endpoint\/GCM\//],
  ])('stores the endpoint made from a valid %s token, not the token', async (platform, pushToken, kind) => {
    const { bindingCode, userGuid } = await bindingCodeFor(`Push ${platform}`);
    const answer = await post('/api/device/register', {
      bindingCode,
      publicKey: generateDeviceKeys().publicKey,
      unlockMethod: 'none',
      platform,
      pushToken,
    });
    expect(answer.status).toBe(201);
    const [device] = await blink.composition.adapters.deviceStore.listForUser(userGuid);
    expect(device?.pushToken).toMatch(SNS_PUSH_ENDPOINT_ARN);
    expect(device?.pushToken).toMatch(kind);
    expect(device?.pushToken).not.toContain(pushToken);
    expect(device?.pushToken?.toLowerCase()).not.toContain(pushToken.toLowerCase());
  });

  it.each([
    [
      'an endpoint ARN instead of a token',
      'ios',
      'arn:aws:sns:us-east-1:123456789012:endpoint/APNS/other-app/1d6e3f4a-0b1c-4d2e-9f3a-5b6c7d8e9f0a',
    ],
    ['a topic ARN on android', 'android', 'arn:aws:sns:us-east-1:123456789012:blink-inbound-sms'],
    ['a short APNs token', 'ios', 'abcdef'],
    ['an APNs token with non-hex characters', 'ios', 'g'.repeat(64)],
    ['an FCM token with a space', 'android', `${'a'.repeat(80)} ${'b'.repeat(80)}`],
    ['a token on a platform without push', 'other', APNS_TOKEN],
  ])('refuses %s with a 400 and keeps the binding code usable', async (_name, platform, pushToken) => {
    const { bindingCode, userGuid } = await bindingCodeFor('Push Refused');
    const publicKey = generateDeviceKeys().publicKey;
    const refused = await post('/api/device/register', {
      bindingCode,
      publicKey,
      unlockMethod: 'none',
      platform,
      pushToken,
    });
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({
      error: { code: 'VALIDATION_FAILED', issues: [expect.stringMatching(/^pushToken: /)] },
    });
    expect(JSON.stringify(refused.json)).not.toContain(pushToken);
    expect(await blink.composition.adapters.deviceStore.listForUser(userGuid)).toEqual([]);
    // Refused at the edge, before the code was spent: the app can register again without a token.
    const again = await post('/api/device/register', { bindingCode, publicKey, unlockMethod: 'none', platform });
    expect(again.status).toBe(201);
  });

  it('registers without push when no token is sent', async () => {
    const { bindingCode, userGuid } = await bindingCodeFor('Push None');
    const answer = await post('/api/device/register', {
      bindingCode,
      publicKey: generateDeviceKeys().publicKey,
      unlockMethod: 'pin',
      platform: 'ios',
    });
    expect(answer.status).toBe(201);
    const [device] = await blink.composition.adapters.deviceStore.listForUser(userGuid);
    expect(device).toBeDefined();
    expect(device?.pushToken).toBeUndefined();
  });
});
