import { randomBytes } from 'node:crypto';
import { parseEnrollUri } from '../../device-client/client.js';
import { appEnrollLink, parseAppEnrollLink } from '../../shared/domain/app-link.js';

const code = randomBytes(16).toString('base64url');

describe('the app enrollment link', () => {
  it('puts the binding code in the fragment of an https link under the public base URL, and reads it back', () => {
    const link = appEnrollLink('https://blink.example.test', code);
    expect(link).toBe(`https://blink.example.test/app/enroll#${code}`);
    expect(new URL(link).search).toBe('');
    expect(parseAppEnrollLink(link)).toEqual({ api: 'https://blink.example.test', bindingCode: code });
    // A stage path before /app/ is part of the API base.
    expect(parseAppEnrollLink(appEnrollLink('https://x.example.test/prod', code))).toEqual({
      api: 'https://x.example.test/prod',
      bindingCode: code,
    });
  });

  it('refuses anything else: another path, a query, credentials, a short or odd code, another scheme', () => {
    for (const link of [
      `https://blink.example.test/app/other#${code}`,
      `https://blink.example.test/app/enroll?x=1#${code}`,
      `https://user:pw@blink.example.test/app/enroll#${code}`,
      'https://blink.example.test/app/enroll#short',
      `https://blink.example.test/app/enroll#${code}<script>`,
      `javascript://blink.example.test/app/enroll#${code}`,
      'not a link',
    ]) {
      expect(parseAppEnrollLink(link)).toBeUndefined();
    }
  });

  it('is what the reference client enrolls from (https, or http on loopback only); blink:// links still parse', () => {
    expect(parseEnrollUri(`http://localhost:3000/app/enroll#${code}`)).toEqual({
      version: 1,
      api: 'http://localhost:3000',
      bindingCode: code,
    });
    expect(() => parseEnrollUri(`http://blink.example.test/app/enroll#${code}`)).toThrow(/plain http/);
    expect(
      parseEnrollUri(`blink://enroll?v=1&api=${encodeURIComponent('https://blink.example.test')}&code=${code}`)
        .bindingCode,
    ).toBe(code);
  });
});
