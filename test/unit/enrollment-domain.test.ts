import { defaultCountryFrom } from '../../shared/domain/phone-number.js';
import { parseEnrollUri, generateDeviceKeys, signRequest } from '../../device-client/client';
import { parseEnv } from '../../shared/config/env';
import { verifyDeviceRequest } from '../../shared/domain/device-signature';
import { maskPhoneNumber } from '../../shared/domain/enrollment';
import { deviceBoundEmail, phoneVerifiedEmail, verificationCodeSms } from '../../shared/use-cases/enrollment/notices';

const notices = {
  productName: 'Blink',
  supportContact: 'the <IT> desk',
  publicBaseUrl: 'https://blink.example.test',
};
const gsm7 = /^[A-Za-z0-9 @£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!"#¤%&'()*+,\-./:;<=>?¡ÄÖÑÜ§¿äöñüà]*$/;

describe('maskPhoneNumber', () => {
  it('shows only the country code and the last four digits', () => {
    expect(maskPhoneNumber('+12015550123', '1')).toBe('+1 •••-•••-0123');
    expect(maskPhoneNumber('+447400123456', '44')).toBe('+44 ••••••3456');
  });
});

describe('enrollment messages', () => {
  it('puts the code and the app link built from PUBLIC_BASE_URL in the SMS, in the designed wording', () => {
    const sms = verificationCodeSms(notices, '012345');
    expect(sms).toBe(
      'Blink: your verification code is 012345. It expires in 10 minutes. Get the Blink app: https://blink.example.test/app/',
    );
    expect(sms).toMatch(gsm7);
    expect(sms.length).toBeLessThanOrEqual(160);
  });

  it('fits the verification SMS in one GSM-7 segment with the default name and an API Gateway stage URL', () => {
    const publicBaseUrl = 'https://a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com/prod';
    const sms = verificationCodeSms({ ...notices, publicBaseUrl }, '987654');
    expect(sms.endsWith(`Get the Blink app: ${publicBaseUrl}/app/`)).toBe(true);
    expect(sms).toMatch(gsm7);
    expect(sms.length).toBeLessThanOrEqual(160);
  });

  it('sends notices as text and escaped HTML', () => {
    const at = new Date('2026-11-26T12:00:00Z');
    const email = phoneVerifiedEmail(
      notices,
      { mail: 'a@corp.example.test', displayName: 'Ann <script>' },
      '+1 •••-•••-0123',
      at,
    );
    expect(email.to).toBe('a@corp.example.test');
    expect(email.text).toContain('Hello Ann <script>,');
    expect(email.text).toContain('+1 •••-•••-0123');
    expect(email.html).toContain('Ann &lt;script&gt;');
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('the &lt;IT&gt; desk');
    const bound = deviceBoundEmail(notices, { mail: 'a@corp.example.test', displayName: 'Ann' }, 'ios', at);
    expect(bound.subject).toBe('Blink: a phone app was linked to your account');
    expect(bound.text).toContain('an iPhone');
  });
});

describe('enrollment settings', () => {
  it('has defaults and refuses an unknown country or a too long activation lifetime', () => {
    expect(parseEnv(['enrollment'], {})).toMatchObject({
      ACTIVATION_TTL_HOURS: 72,
      DEFAULT_COUNTRY: 'US',
      PRODUCT_NAME: 'Blink',
    });
    expect(parseEnv(['enrollment'], { DEFAULT_COUNTRY: 'GB', ACTIVATION_TTL_HOURS: '24' })).toMatchObject({
      DEFAULT_COUNTRY: 'GB',
      ACTIVATION_TTL_HOURS: 24,
    });
    expect(() => parseEnv(['enrollment'], { DEFAULT_COUNTRY: 'usa' })).toThrow(/DEFAULT_COUNTRY/);
    // Whether the country exists is checked against the phone metadata, where the composition roots load it.
    expect(() => defaultCountryFrom('XX')).toThrow(/DEFAULT_COUNTRY: XX/);
    expect(defaultCountryFrom('DE')).toBe('DE');
    expect(() => parseEnv(['enrollment'], { ACTIVATION_TTL_HOURS: '73' })).toThrow(/ACTIVATION_TTL_HOURS/);
  });
});

describe('reference device client', () => {
  it('parses the QR URI and refuses anything else', () => {
    const code = 'abcdefghijklmnopqrstuv';
    expect(
      parseEnrollUri(`blink://enroll?v=1&api=${encodeURIComponent('https://blink.example.test/v1')}&code=${code}`),
    ).toEqual({
      version: 1,
      api: 'https://blink.example.test/v1',
      bindingCode: code,
    });
    expect(() => parseEnrollUri(`https://enroll?v=1&api=x&code=${code}`)).toThrow(/Not a Blink enrollment link/);
    expect(() => parseEnrollUri(`blink://enroll?v=2&api=https%3A%2F%2Fa.test&code=${code}`)).toThrow(/version/);
    expect(() => parseEnrollUri(`blink://enroll?v=1&api=javascript%3Aalert(1)&code=${code}`)).toThrow(/api URL/);
    expect(() => parseEnrollUri('blink://enroll?v=1&api=https%3A%2F%2Fa.test&code=short')).toThrow(/binding code/);
  });

  it('signs requests the server verifies, and only those', () => {
    const keys = generateDeviceKeys();
    const now = new Date('2026-11-26T12:00:00Z');
    const headers = signRequest(
      { deviceId: 'd', privateKey: keys.privateKey },
      { method: 'GET', path: '/api/device/status', timestamp: now.getTime() },
    );
    const parts = {
      method: 'GET',
      path: '/api/device/status',
      timestamp: now.getTime(),
      nonce: headers['x-blink-nonce'],
      body: '',
    };
    expect(verifyDeviceRequest(keys.publicKey, parts, headers['x-blink-signature'], now, 300_000)).toEqual({
      ok: true,
    });
    expect(
      verifyDeviceRequest(
        keys.publicKey,
        { ...parts, path: '/api/device/other' },
        headers['x-blink-signature'],
        now,
        300_000,
      ),
    ).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(headers['x-blink-nonce']).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
