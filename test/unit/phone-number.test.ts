import { normaliseMobileNumber } from '../../shared/domain/phone-number.js';

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
