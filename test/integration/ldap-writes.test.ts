import { randomBytes } from 'node:crypto';
import { Attribute, Change } from 'ldapts';
import { LdapDirectory } from '../../shared/adapters/ldap/ldap-directory.js';
import { DirectoryOperationError, PasswordRejectedError } from '../../shared/domain/errors.js';
import type { DirectoryUser } from '../../shared/ports/directory.js';
import {
  adDays,
  asAdmin,
  createTestUser,
  directoryOptions,
  getSambaConnection,
  lockOut,
  passwordSettingsFor,
  testPassword,
  tryBind,
  type TestUser,
} from './support/samba.js';

// Lockout, unlock, password reset and the lockout scan against the real Samba AD DC. Every test works on users of its
// own, created for it, so that the tests do not depend on each other or on their order.
describe('LdapDirectory writes against Samba AD', () => {
  const directory = new LdapDirectory(directoryOptions());

  afterAll(async () => {
    await directory.close();
  });

  async function lookUp(user: TestUser): Promise<DirectoryUser> {
    const found = await directory.findUserBySamAccountName(user.samAccountName);
    if (!found) throw new Error(`${user.samAccountName} not found`);
    return found;
  }

  /** A new user whose password the directory has just reset to a fresh one. */
  async function newUserAfterReset(prefix: string, options: { forceChange: boolean }) {
    const created = await createTestUser(prefix);
    const newPassword = testPassword();
    await directory.resetPassword(await lookUp(created), newPassword, { ...options, unlock: false });
    return { created, newPassword };
  }

  it('detects a lockout caused by bad passwords, and unlocks it so the user can bind again', async () => {
    const created = await createTestUser('lock');
    const user = await lookUp(created);
    await expect(directory.isLockedOut(user)).resolves.toBe(false);

    const badBinds = await lockOut(created);
    expect(badBinds).toBe(4); // threshold 3: the fourth attempt is answered "locked" (775)
    await expect(directory.isLockedOut(user)).resolves.toBe(true);
    await expect(tryBind(created.dn, created.password)).resolves.toBe('775');

    // Says which DC took the write: the test DC (the PDC emulator) by the name in its root DSE.
    const [pdc] = getSambaConnection().dcs;
    await expect(directory.unlock(user)).resolves.toEqual({ dc: pdc?.hostName, url: pdc?.url });
    await expect(directory.isLockedOut(user)).resolves.toBe(false);
    await expect(tryBind(created.dn, created.password)).resolves.toBe('ok');
  });

  it('resets a password: the new one binds, the old one no longer does', async () => {
    const { created, newPassword } = await newUserAfterReset('reset', { forceChange: false });

    await expect(tryBind(created.dn, newPassword)).resolves.toBe('ok');
    await expect(tryBind(created.dn, created.password)).resolves.toBe('52e');
  });

  it('with forceChange, the new password is accepted but must be changed at next logon (data 773)', async () => {
    const { created, newPassword } = await newUserAfterReset('force', { forceChange: true });

    await expect(tryBind(created.dn, newPassword)).resolves.toBe('773');
    await expect(tryBind(created.dn, created.password)).resolves.toBe('52e');
    const reread = await directory.findUserBySamAccountName(created.samAccountName);
    expect(reread).toBeDefined();
  });

  it('with unlock, one reset also lifts a lockout', async () => {
    const created = await createTestUser('rstunl');
    const user = await lookUp(created);
    await lockOut(created);
    await expect(directory.isLockedOut(user)).resolves.toBe(true);
    const newPassword = testPassword();

    await directory.resetPassword(user, newPassword, { forceChange: false, unlock: true });

    await expect(directory.isLockedOut(user)).resolves.toBe(false);
    await expect(tryBind(created.dn, newPassword)).resolves.toBe('ok');
  });

  it('maps a policy rejection to PasswordRejectedError without revealing the password', async () => {
    const created = await createTestUser('short');
    const user = await lookUp(created);
    const tooShort = 'Ab1!x';

    const error = await directory
      .resetPassword(user, tooShort, { forceChange: true, unlock: false })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(PasswordRejectedError);
    const everything = `${String(error)} ${(error as Error).stack ?? ''} ${JSON.stringify(error)} ${String((error as Error).cause ?? '')}`;
    expect(everything).toContain('0000052D');
    expect(everything).not.toContain(tooShort);
    // Nothing was written: the old password still works.
    await expect(tryBind(created.dn, created.password)).resolves.toBe('ok');
  });

  it('refuses a password that breaks complexity, with the same named error', async () => {
    const created = await createTestUser('cmplx');
    const user = await lookUp(created);
    const lowerOnly = `onlylowercase${randomBytes(2).toString('hex').replace(/\d/g, 'x')}`;

    await expect(
      directory.resetPassword(user, lowerOnly, { forceChange: false, unlock: false }),
    ).rejects.toBeInstanceOf(PasswordRejectedError);
  });

  it('reports a write to a vanished account as a directory error, not as success', async () => {
    const created = await createTestUser('gone');
    const user = await lookUp(created);
    await asAdmin((client) => client.del(created.dn));

    await expect(
      directory.resetPassword(user, testPassword(), { forceChange: false, unlock: false }),
    ).rejects.toBeInstanceOf(DirectoryOperationError);
  });

  it('scans locked accounts page by page, keeping only those AD still considers locked', async () => {
    const locked = await Promise.all(Array.from({ length: 5 }, () => createTestUser('scan')));
    for (const user of locked) await lockOut(user);
    // A lockout that has expired: lockoutTime is still set (so the filter matches) but AD no longer counts it.
    const expired = await createTestUser('scanold');
    const twoHoursAgo = (BigInt(Date.now() - 2 * 3600_000) + 11_644_473_600_000n) * 10_000n;
    await asAdmin((client) =>
      client.modify(expired.dn, [
        new Change({
          operation: 'replace',
          modification: new Attribute({ type: 'lockoutTime', values: [String(twoHoursAgo)] }),
        }),
      ]),
    );

    // One of them under a PSO (a day's lockout, so it stays locked): the scan says whose policy applies to each.
    const pso = await passwordSettingsFor(30, [locked[0] as TestUser]);
    await asAdmin((client) =>
      client.modify(pso, [
        new Change({
          operation: 'replace',
          modification: new Attribute({ type: 'msDS-LockoutDuration', values: [adDays(1)] }),
        }),
      ]),
    );

    const result = await directory
      .scanLockedAccounts({ pageSize: 2, timeBudgetMs: 30_000 })
      .finally(() => asAdmin((client) => client.del(pso)));

    expect(result.complete).toBe(true);
    // Six matching entries at least (other tests may add more) at two per page: paging really happened.
    expect(result.pages).toBeGreaterThanOrEqual(3);
    const names = result.locked.map((account) => account.samAccountName);
    for (const user of locked) expect(names).toContain(user.samAccountName);
    expect(names).not.toContain(expired.samAccountName);
    const first = result.locked.find((account) => account.samAccountName === locked[0]?.samAccountName);
    expect(first?.objectGuid).toBe((await lookUp(locked[0] as TestUser)).objectGuid);
    expect(Math.abs((first?.lockedAt.getTime() ?? 0) - Date.now())).toBeLessThan(120_000);
    expect(first?.policySource).toEqual({ kind: 'pso', dn: pso });
    const second = result.locked.find((account) => account.samAccountName === locked[1]?.samAccountName);
    expect(second?.policySource).toEqual({ kind: 'domain' });
  });

  it('stops a scan when its time budget is spent and says it is incomplete', async () => {
    const locked = await Promise.all(Array.from({ length: 3 }, () => createTestUser('budget')));
    for (const user of locked) await lockOut(user);

    const result = await directory.scanLockedAccounts({ pageSize: 1, timeBudgetMs: 0 });

    expect(result).toMatchObject({ complete: false, pages: 1 });
  });
});
