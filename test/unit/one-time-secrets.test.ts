import { digestsEqual, generateSmsCode, generateToken, hashSecret } from '../../shared/domain/one-time-secrets.js';

describe('one-time secrets', () => {
  it('makes URL-safe tokens of at least 128 bits that do not repeat', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => generateToken()));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(() => generateToken(15)).toThrow(RangeError);
  });

  it('makes six-digit codes covering the whole range, leading zeros included', () => {
    const codes = Array.from({ length: 20000 }, () => generateSmsCode());
    for (const code of codes) expect(code).toMatch(/^\d{6}$/);
    // With 20,000 draws from 10^6 values, about 10% start with 0; a generator that dropped leading zeros gives none.
    const leadingZero = codes.filter((code) => code.startsWith('0')).length;
    expect(leadingZero).toBeGreaterThan(1500);
    expect(leadingZero).toBeLessThan(2500);
  });

  it('hashes with the key and the purpose, so neither a leaked table nor a code of another kind is usable', () => {
    const hash = hashSecret('key-1', 'sms-code', '123456');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain('123456');
    expect(hashSecret('key-1', 'sms-code', '123456')).toBe(hash);
    expect(hashSecret('key-2', 'sms-code', '123456')).not.toBe(hash);
    expect(hashSecret('key-1', 'binding', '123456')).not.toBe(hash);
  });

  it('compares digests exactly', () => {
    const hash = hashSecret('k', 'activation', 't');
    expect(digestsEqual(hash, hash)).toBe(true);
    expect(digestsEqual(hash, hashSecret('k', 'activation', 'u'))).toBe(false);
    expect(digestsEqual(hash, hash.slice(0, 62))).toBe(false);
    expect(digestsEqual('', '')).toBe(false);
  });
});
