import { LdapDirectory } from '../../shared/adapters/ldap/ldap-directory.js';
import { DirectoryOperationError, PasswordRejectedError } from '../../shared/domain/errors.js';
import { createTestUser, directoryOptions, testPassword, tryBind } from './support/samba.js';

// The password policy hints control against the real Samba AD DC. Without it an admin reset may reuse a password of
// the user's history (AD allows that). Samba 4.17 does not implement the control, so with it a reset is refused as an
// unavailable critical extension: the control really goes out, marked critical, and nothing is written. (A Windows DC
// applies the history instead: not reproducible here.)
describe('password policy hints on resets', () => {
  const plain = new LdapDirectory(directoryOptions());
  const hinted = new LdapDirectory(directoryOptions({ passwordPolicyHints: true }));

  afterAll(async () => {
    await Promise.all([plain.close(), hinted.close()]);
  });

  it('without the control, a reset may reuse a password from the history', async () => {
    const created = await createTestUser('nohint');
    const user = await plain.findUserBySamAccountName(created.samAccountName);
    if (!user) throw new Error('no user');
    const password = testPassword();
    await plain.resetPassword(user, password, { forceChange: false, unlock: false });
    await plain.resetPassword(user, password, { forceChange: false, unlock: false });
    await expect(tryBind(created.dn, password)).resolves.toBe('ok');
  });

  it('with the control, a DC that lacks it refuses the reset with a message naming the setting, and nothing is written', async () => {
    const created = await createTestUser('hint');
    const user = await hinted.findUserBySamAccountName(created.samAccountName);
    if (!user) throw new Error('no user');
    const password = testPassword();

    const error = await hinted
      .resetPassword(user, password, { forceChange: false, unlock: false })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(DirectoryOperationError);
    expect(error).not.toBeInstanceOf(PasswordRejectedError);
    expect((error as Error).message).toMatch(
      /does not support the password policy hints control; turn LDAP_PASSWORD_POLICY_HINTS off .*LDAP 12/,
    );
    expect((error as Error).message).not.toContain(password);
    await expect(tryBind(created.dn, created.password)).resolves.toBe('ok');
  });
});
