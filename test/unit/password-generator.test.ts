import {
  generatePassword,
  nameTokens,
  passwordAlphabet,
  type RandomIntSource,
} from '../../shared/domain/password-generator.js';

const domainPolicy = { minLength: 8, complexity: true };

describe('generatePassword', () => {
  it('meets the longer of the policy and the configured minimum', () => {
    expect(
      generatePassword({ policy: domainPolicy, configuredMinLength: 12, accountNames: [] }).length,
    ).toBeGreaterThanOrEqual(12);
    expect(
      generatePassword({ policy: { minLength: 20, complexity: true }, configuredMinLength: 12, accountNames: [] })
        .length,
    ).toBeGreaterThanOrEqual(20);
    expect(
      generatePassword({ policy: { minLength: 0, complexity: false }, configuredMinLength: 4, accountNames: [] })
        .length,
    ).toBeGreaterThanOrEqual(8);
  });

  it('always has upper, lower, digit and symbol, and only unambiguous characters', () => {
    for (let run = 0; run < 500; run += 1) {
      const password = generatePassword({
        policy: domainPolicy,
        configuredMinLength: 12,
        accountNames: ['jane.doe', 'Jane Doe'],
      });
      expect(password).toMatch(/^[A-Za-z0-9]{4}(-[A-Za-z0-9]{4})+$/);
      expect(password).toMatch(/[A-Z]/);
      expect(password).toMatch(/[a-z]/);
      expect(password).toMatch(/[0-9]/);
      expect(password).not.toMatch(/[IlO01o]/);
    }
  });

  it('does not repeat itself', () => {
    const passwords = new Set(
      Array.from({ length: 2000 }, () =>
        generatePassword({ policy: domainPolicy, configuredMinLength: 12, accountNames: [] }),
      ),
    );
    expect(passwords.size).toBe(2000);
  });

  it('rejects a draw that contains a name token and draws again', () => {
    // A source that first spells "Dix2" in every group (a draw that passes every class check but holds the name
    // token "dix"), then falls back to ordinary indexes.
    const alphabet = passwordAlphabet.upper + passwordAlphabet.lower + passwordAlphabet.digits;
    const forced = 'Dix2Dix2Dix2';
    expect([...forced].every((character) => alphabet.includes(character))).toBe(true);
    let calls = 0;
    const random: RandomIntSource = (max) => {
      calls += 1;
      if (calls <= forced.length) return alphabet.indexOf(forced[calls - 1]!);
      return (calls * 7) % max;
    };
    const password = generatePassword(
      { policy: domainPolicy, configuredMinLength: 12, accountNames: ['Kate Dix'] },
      random,
    );
    expect(calls).toBeGreaterThan(forced.length);
    expect(password.toLowerCase()).not.toContain('dix');
    expect(password).toMatch(/^[A-Za-z0-9]{4}(-[A-Za-z0-9]{4})+$/);
  });
});

describe('nameTokens', () => {
  it('splits names as AD does and keeps tokens of three or more characters', () => {
    expect(nameTokens(['jane.doe', 'Doe, Jane M'])).toEqual(expect.arrayContaining(['jane.doe', 'jane', 'doe']));
    expect(nameTokens(['Al Wu'])).toEqual(['al wu']);
  });
});
