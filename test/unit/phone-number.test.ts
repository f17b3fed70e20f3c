import {
  countryNames,
  countryOfNumber,
  normaliseMobileNumber,
  smsCountriesFrom,
} from '../../shared/domain/phone-number.js';

describe('normaliseMobileNumber', () => {
  it('normalises national and international input to E.164', () => {
    expect(normaliseMobileNumber('(201) 555-0123', 'US')).toEqual({ ok: true, e164: '+12015550123' });
    expect(normaliseMobileNumber('07400 123456', 'GB')).toEqual({ ok: true, e164: '+447400123456' });
    expect(normaliseMobileNumber('+44 7400 123456', 'US')).toEqual({ ok: true, e164: '+447400123456' });
  });

  it('refuses numbers that cannot receive SMS, with a clear message', () => {
    const landline = normaliseMobileNumber('020 7946 0018', 'GB');
    expect(landline).toMatchObject({ ok: false, reason: 'not-mobile' });
    const tollFree = normaliseMobileNumber('+1 855-391-7277', 'US');
    expect(tollFree).toMatchObject({ ok: false, reason: 'not-mobile' });
  });

  it('refuses garbage', () => {
    for (const input of ['', 'abc', '12', '+999 1234']) {
      expect(normaliseMobileNumber(input, 'US')).toMatchObject({ ok: false, reason: 'invalid' });
    }
  });
});

describe('countries verification codes may go to', () => {
  it('defaults to the countries of our own numbers plus the default country, skipping numbers of no country', () => {
    expect(smsCountriesFrom(undefined, ['+18553917277', '+4915112345678', 'phone-0123456789abcdef'], 'US')).toEqual([
      'US',
      'DE',
    ]);
    expect(smsCountriesFrom([], ['+18553917277'], 'DE')).toEqual(['DE']);
  });

  it('takes the configured list as it is, and refuses a code libphonenumber does not know', () => {
    expect(smsCountriesFrom(['CA', 'US', 'CA'], ['+447911123456'], 'US')).toEqual(['CA', 'US']);
    expect(() => smsCountriesFrom(['XX'], [], 'US')).toThrow(/SMS_ALLOWED_COUNTRIES: XX/);
  });

  it('names countries for people and tells a number of no single country', () => {
    expect(countryNames(['US', 'CA'])).toBe('United States, Canada');
    expect(countryOfNumber('+252612345678')).toBe('SO');
    expect(countryOfNumber('+18553917277')).toBeUndefined();
  });
});
