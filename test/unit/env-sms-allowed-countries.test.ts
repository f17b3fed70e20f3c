import { ConfigurationError, parseEnv } from '../../shared/config/env.js';

describe('SMS_ALLOWED_COUNTRIES', () => {
  it('is an optional comma-separated list of two-letter upper-case country codes', () => {
    expect(parseEnv(['enrollment'], {}).SMS_ALLOWED_COUNTRIES).toBeUndefined();
    expect(parseEnv(['enrollment'], { SMS_ALLOWED_COUNTRIES: 'US, CA' }).SMS_ALLOWED_COUNTRIES).toEqual(['US', 'CA']);
  });

  it('refuses anything else at cold start', () => {
    for (const value of ['us', 'US,USA', 'U1', ',']) {
      expect(() => parseEnv(['enrollment'], { SMS_ALLOWED_COUNTRIES: value })).toThrow(ConfigurationError);
    }
  });
});
