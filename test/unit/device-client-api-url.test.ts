import {
  generateDeviceKeys,
  parseEnrollUri,
  registerDevice,
  DeviceClient,
  checkApiUrl,
} from '../../device-client/client.js';

// The reference client talks to Blink over https only; plain http is for the local runtime on this machine.
const code = 'A'.repeat(22);
const enrollUri = (api: string) => `blink://enroll?v=1&api=${encodeURIComponent(api)}&code=${code}`;

describe('device client API URL', () => {
  it.each([
    'http://127.0.0.1:3000',
    'http://127.12.0.3:8080',
    'http://localhost:3000',
    'http://[::1]:3000',
    'https://blink.example.com',
    'https://10.0.0.5',
  ])('accepts %s', (api) => {
    expect(checkApiUrl(api)).toBe(api);
    expect(parseEnrollUri(enrollUri(api)).api).toBe(api);
  });

  it.each([
    'http://blink.example.com',
    'http://10.0.0.5:3000',
    'http://128.0.0.1',
    'http://127.0.0.1.attacker.example',
    'http://localhost.attacker.example',
    'http://[::2]',
  ])('refuses %s with a clear error, in the link, at registration and in the client', async (api) => {
    const refusal = /Refusing the plain http:\/\/ API URL .*https:\/\/ only .*127\.0\.0\.1, ::1 and localhost/;
    expect(() => parseEnrollUri(enrollUri(api))).toThrow(refusal);
    const keys = generateDeviceKeys();
    await expect(
      registerDevice(api, { bindingCode: code, publicKey: keys.publicKey, unlockMethod: 'none', platform: 'other' }),
    ).rejects.toThrow(refusal);
    expect(() => new DeviceClient(api, 'device-1', keys.privateKey)).toThrow(refusal);
  });

  it('refuses other schemes', () => {
    expect(() => checkApiUrl('ftp://blink.example.com')).toThrow(/Not an https:\/\/ API URL/);
  });
});
