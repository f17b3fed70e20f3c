import { generateKeyPairSync } from 'node:crypto';
import { DeviceClient, generateDeviceKeys, parseEnrollUri } from '../../device-client/client.js';
import { devicePublicKeySchema } from '../../shared/domain/device-signature.js';
import { ManualClock } from '../support/manual-clock.js';
import { activate, testUser } from '../support/activations.js';
import { postJson, useLocalBlink } from '../support/local-blink.js';

// Device protocol v2 (the Blink app): a signing key and a separate encryption key at registration; requests are
// checked with the signing key only. And the app's "Unlink this phone": a signed self-revocation with an email notice.

const unauthorizedBody = { error: { code: 'DEVICE_UNAUTHORIZED', message: 'This device is not authorized.' } };
const clock = new ManualClock(new Date(Date.now() - 30 * 86_400_000));
const blink = useLocalBlink({ clock });

beforeEach(() => {
  // Fresh hourly windows for the per-IP registration limit.
  clock.advanceSeconds(3600);
});

async function bindingCode(): Promise<{ code: string; user: ReturnType<typeof testUser> }> {
  const { token, user } = await activate(blink, testUser('App Two'));
  const qr = await postJson(blink, '/api/setup/qr', { token });
  return { code: parseEnrollUri(String(qr.json['uri'])).bindingCode, user };
}

/** An ECDH-only key, as WebCrypto makes one: same curve, used for key agreement only. */
const ecdhKey = () =>
  devicePublicKeySchema.parse(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }));

async function registerV2(signing = generateDeviceKeys(), encryptionKey = ecdhKey()) {
  const { code, user } = await bindingCode();
  const answer = await postJson(blink, '/api/device/register', {
    protocol: 2,
    bindingCode: code,
    signingKey: signing.publicKey,
    encryptionKey,
    unlockMethod: 'none',
    platform: 'other',
  });
  return { answer, signing, encryptionKey, user };
}

const clientOf = (deviceId: string, privateKey: ReturnType<typeof generateDeviceKeys>['privateKey']) =>
  new DeviceClient(blink.url, deviceId, privateKey, () => clock.now().getTime());

describe('device protocol v2', () => {
  it('registers a signing key and an encryption key, and checks signatures with the signing key only', async () => {
    const { answer, signing, encryptionKey } = await registerV2();
    expect(answer.status).toBe(201);
    const deviceId = String(answer.json['deviceId']);
    const stored = await blink.composition.adapters.deviceStore.get(deviceId);
    expect(stored).toMatchObject({ publicKey: signing.publicKey, encryptionKey });

    const status = await clientOf(deviceId, signing.privateKey).send('GET', '/api/device/status');
    expect(status.status).toBe(200);
    expect(((await status.json()) as { device: unknown }).device).toMatchObject({ deviceId, protocol: 2 });

    // A signature by any other key (here a key that is not the registered signing key) is refused.
    const other = await clientOf(deviceId, generateDeviceKeys().privateKey).send('GET', '/api/device/status');
    expect(other.status).toBe(401);
    expect(await other.json()).toEqual(unauthorizedBody);
  });

  it('refuses a v2 registration whose two keys are one key, or that lacks one, and keeps the binding code usable', async () => {
    const { code } = await bindingCode();
    const signing = generateDeviceKeys();
    const base = { protocol: 2, bindingCode: code, unlockMethod: 'none', platform: 'other' };
    const same = await postJson(blink, '/api/device/register', {
      ...base,
      signingKey: signing.publicKey,
      encryptionKey: signing.publicKey,
    });
    expect(same.status).toBe(400);
    const missing = await postJson(blink, '/api/device/register', { ...base, signingKey: signing.publicKey });
    expect(missing.status).toBe(400);
    // Refused at the edge: the code was not consumed.
    const good = await postJson(blink, '/api/device/register', {
      ...base,
      signingKey: signing.publicKey,
      encryptionKey: ecdhKey(),
    });
    expect(good.status).toBe(201);
  });

  it('requires a WebAuthn credential with Touch ID/Face ID (and only then), and offers assertions only to such devices', async () => {
    const { code } = await bindingCode();
    const signing = generateDeviceKeys();
    const base = {
      protocol: 2,
      bindingCode: code,
      signingKey: signing.publicKey,
      encryptionKey: ecdhKey(),
      platform: 'ios',
    };
    const noCredential = await postJson(blink, '/api/device/register', { ...base, unlockMethod: 'biometric' });
    expect(noCredential.status).toBe(400);
    expect(JSON.stringify(noCredential.json)).toContain('webauthn');

    // The registration options: a platform authenticator with user verification, for PUBLIC_BASE_URL's host.
    const options = await postJson(blink, '/api/device/webauthn/registration-options', { bindingCode: code });
    expect(options.status).toBe(200);
    expect(options.json['options']).toMatchObject({
      rp: { id: new URL(blink.publicBaseUrl).hostname },
      authenticatorSelection: { authenticatorAttachment: 'platform', userVerification: 'required' },
    });

    // A None device: no credential, so no assertion challenge, and reset needs none.
    const none = await postJson(blink, '/api/device/register', { ...base, unlockMethod: 'none' });
    expect(none.status).toBe(201);
    const client = clientOf(String(none.json['deviceId']), signing.privateKey);
    const challenge = await client.send('POST', '/api/device/webauthn/challenge', { body: '{"action":"reset"}' });
    expect(challenge.status).toBe(400);
    expect(((await challenge.json()) as { error: { code: string } }).error.code).toBe('WEBAUTHN_NOT_REGISTERED');
    // Unsigned, the challenge route says nothing about the device.
    expect((await postJson(blink, '/api/device/webauthn/challenge', { action: 'reset' })).status).toBe(401);
    expect((await client.send('POST', '/api/device/reset', { body: '{}' })).status).toBe(202);
    expect((await client.send('POST', '/api/device/unlock', { body: '{"other":1}' })).status).toBe(400);
  });

  it('still registers a v1 device (one key), whose status says protocol 1', async () => {
    const { code } = await bindingCode();
    const keys = generateDeviceKeys();
    const answer = await postJson(blink, '/api/device/register', {
      bindingCode: code,
      publicKey: keys.publicKey,
      unlockMethod: 'pin',
      platform: 'android',
    });
    expect(answer.status).toBe(201);
    const status = await clientOf(String(answer.json['deviceId']), keys.privateKey).send('GET', '/api/device/status');
    expect(((await status.json()) as { device: unknown }).device).toMatchObject({ protocol: 1 });
  });

  it('unlinks itself with a signed request: revoked at once, audited, and the user is told by email', async () => {
    const { answer, signing, user } = await registerV2();
    const deviceId = String(answer.json['deviceId']);
    const client = clientOf(deviceId, signing.privateKey);

    // Unsigned: refused, nothing revoked.
    const unsigned = await postJson(blink, '/api/device/unlink', {});
    expect(unsigned.status).toBe(401);
    expect((await blink.composition.adapters.deviceStore.get(deviceId))?.revokedAt).toBeUndefined();

    const unlinked = await client.send('POST', '/api/device/unlink', { body: '{}' });
    expect(unlinked.status).toBe(200);
    expect(await unlinked.json()).toEqual({ unlinked: true });
    expect((await blink.composition.adapters.deviceStore.get(deviceId))?.revokedAt).toBeInstanceOf(Date);
    expect((await client.send('GET', '/api/device/status')).status).toBe(401);
    expect((await client.send('POST', '/api/device/reset', { body: '{}' })).status).toBe(401);

    const emails = (await blink.listEmails()).filter((email) => email.to === user.mail);
    expect(emails.map((email) => email.subject)).toContain('Blink: a phone app was unlinked from your account');
    expect(await blink.composition.adapters.auditLog.listForUser(user.userGuid, 20)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'device.unlinked', channel: 'app', result: 'success' }),
      ]),
    );
  });

  it('tells the user by email when an admin revokes their phone', async () => {
    const { answer, signing, user } = await registerV2();
    const deviceId = String(answer.json['deviceId']);
    const revoked = await fetch(`${blink.url}/admin/devices/${deviceId}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${blink.adminToken}` },
    });
    expect(revoked.status).toBe(200);
    expect((await clientOf(deviceId, signing.privateKey).send('GET', '/api/device/status')).status).toBe(401);
    const emails = (await blink.listEmails()).filter((email) => email.to === user.mail);
    expect(emails.map((email) => email.subject)).toContain('Blink: a phone app was removed from your account');
  });
});
