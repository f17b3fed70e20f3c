import { parseEnv } from '../../shared/config/env.js';
import { generatePassword, passwordAlphabet } from '../../shared/domain/password-generator.js';

// NIST SP 800-63B rev 4: a password that is the only factor has at least 15 characters. The default minimum is what
// a deployment (and the local runtime) gets when PASSWORD_MIN_LENGTH is not set.
describe('default generated password length', () => {
  it('is 15 when PASSWORD_MIN_LENGTH is unset', () => {
    expect(parseEnv(['reset'], {}).PASSWORD_MIN_LENGTH).toBe(15);
  });

  it('gives a phone-friendly password of four dash-separated groups of four under a weaker domain policy', () => {
    const configuredMinLength = parseEnv(['reset'], {}).PASSWORD_MIN_LENGTH;
    const group = `[${passwordAlphabet.upper}${passwordAlphabet.lower}${passwordAlphabet.digits}]{4}`;
    for (let index = 0; index < 200; index += 1) {
      const password = generatePassword({
        policy: { minLength: 7, complexity: true },
        configuredMinLength,
        accountNames: [],
      });
      expect(password.length).toBeGreaterThanOrEqual(15);
      expect(password).toMatch(new RegExp(`^${group}(-${group}){3}$`));
    }
  });
});
