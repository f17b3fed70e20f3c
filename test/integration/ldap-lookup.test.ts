import { LdapDirectory } from '../../shared/adapters/ldap/ldap-directory.js';
import { randomBytes } from 'node:crypto';
import { NotFoundError } from '../../shared/domain/errors.js';
import { createTestUser, directoryOptions, getSambaConnection } from './support/samba.js';

// Lookups, listings, policies and protection against the real Samba AD DC, over LDAPS with certificate verification.
describe('LdapDirectory lookups against Samba AD', () => {
  const connection = getSambaConnection();
  const { fixtures } = connection;
  const directory = new LdapDirectory(directoryOptions());

  afterAll(async () => {
    await directory.close();
  });

  it('binds over verified LDAPS and answers the health check', async () => {
    await expect(directory.checkHealth()).resolves.toEqual({ url: 'ldaps://127.0.0.1:636' });
  });

  it('finds a user by sAMAccountName with the attributes the product needs', async () => {
    const alice = await directory.findUserBySamAccountName('alice.martin');
    expect(alice).toEqual({
      // The string Samba itself gives for the GUID: the adapter's byte order matches AD's.
      objectGuid: fixtures.users.alice.objectGuid,
      dn: fixtures.users.alice.dn,
      samAccountName: 'alice.martin',
      userPrincipalName: 'alice.martin@corp.example.test',
      displayName: 'Alice Martin',
      mail: 'alice.martin@corp.example.test',
      userAccountControl: 512,
      adminCount: 0,
      accountExpires: '9223372036854775807',
      lockoutTime: '0',
      isComputer: false,
    });
  });

  it('finds a user by userPrincipalName, and reports unknown users as undefined', async () => {
    await expect(directory.findUserByUserPrincipalName('bob.nguyen@corp.example.test')).resolves.toMatchObject({
      samAccountName: 'bob.nguyen',
    });
    await expect(directory.findUserBySamAccountName('nobody.here')).resolves.toBeUndefined();
    await expect(directory.findUserBySamAccountName('')).resolves.toBeUndefined();
  });

  it.each([
    ['a wildcard', '*'],
    ['a wildcard prefix', 'alice*'],
    ['an OR injection', 'x)(sAMAccountName=*'],
    ['a closed filter with a trailing clause', 'alice.martin)(|(objectClass=*)'],
    ['a backslash escape', 'alice\\2amartin'],
    ['a NUL byte', 'alice.martin\u0000'],
  ])('treats %s in a name as literal text, matching nothing (LDAP injection)', async (_label, hostile) => {
    await expect(directory.findUserBySamAccountName(hostile)).resolves.toBeUndefined();
    await expect(directory.findUserByUserPrincipalName(hostile)).resolves.toBeUndefined();
  });

  it('still finds names that contain filter characters literally', async () => {
    const suffix = randomBytes(3).toString('hex');
    // sAMAccountName may hold parentheses (not * or \); userPrincipalName may hold all four.
    const samAccountName = `p(x)-${suffix}`;
    const userPrincipalName = `a*b\\c(d)-${suffix}@corp.example.test`;
    const odd = await createTestUser('odd', { sAMAccountName: samAccountName, userPrincipalName });
    await expect(directory.findUserBySamAccountName(samAccountName)).resolves.toMatchObject({ dn: odd.dn });
    await expect(directory.findUserByUserPrincipalName(userPrincipalName)).resolves.toMatchObject({ dn: odd.dn });
    await expect(directory.findUserByUserPrincipalName(`a*-${suffix}@corp.example.test`)).resolves.toBeUndefined();
  });

  it('round-trips objectGUID: the GUID read from a user finds that user again', async () => {
    const carol = await directory.findUserBySamAccountName('carol.diaz');
    expect(carol).toBeDefined();
    const again = await directory.findUserByGuid(carol?.objectGuid ?? '');
    expect(again).toEqual(carol);
    await expect(directory.findUserByGuid(carol?.objectGuid.toUpperCase() ?? '')).resolves.toEqual(carol);
    await expect(directory.findUserByGuid('00000000-0000-0000-0000-000000000000')).resolves.toBeUndefined();
  });

  it('lists the nested members of a group, by name or by DN, users only', async () => {
    const byName = await directory.listGroupMembers('Blink Users');
    expect(byName.map((user) => user.samAccountName).sort()).toEqual([...fixtures.blinkUsersMembers].sort());
    const byDn = await directory.listGroupMembers(fixtures.groups.blinkUsers.dn);
    expect(byDn.map((user) => user.samAccountName).sort()).toEqual([...fixtures.blinkUsersMembers].sort());
    await expect(directory.listGroupMembers('No Such Group')).rejects.toBeInstanceOf(NotFoundError);
    await expect(directory.listGroupMembers('Blink*')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('assembles listings from many pages (AD caps unpaged searches at 1000 entries; Samba does not)', async () => {
    const onePerPage = new LdapDirectory(directoryOptions({ listPageSize: 1 }));
    try {
      const members = await onePerPage.listGroupMembers('Blink Users');
      expect(members.map((user) => user.samAccountName).sort()).toEqual([...fixtures.blinkUsersMembers].sort());
    } finally {
      await onePerPage.close();
    }
  });

  it('lists the users of an OU', async () => {
    const staff = await directory.listUsersInOu(fixtures.ous.staff);
    expect(staff.map((user) => user.samAccountName).sort()).toEqual([
      'alice.martin',
      'bob.nguyen',
      'carol.diaz',
      'dave.okafor',
    ]);
  });

  it('reads the domain password policy that provisioning set', async () => {
    const policy = fixtures.domainPolicy;
    await expect(directory.readDomainPolicy()).resolves.toEqual({
      minLength: policy.minPwdLength,
      complexity: policy.complexity,
      historyLength: policy.historyLength,
      lockoutThreshold: policy.lockoutThreshold,
      lockoutDurationSeconds: policy.lockoutDurationSeconds,
      lockoutObservationWindowSeconds: policy.lockoutObservationWindowSeconds,
      maxAgeSeconds: policy.maxPwdAgeSeconds,
      minAgeSeconds: policy.minPwdAgeSeconds,
      source: { kind: 'domain' },
    });
    expect(policy).toMatchObject({
      minPwdLength: 8,
      complexity: true,
      historyLength: 3,
      lockoutThreshold: 3,
      lockoutDurationSeconds: 1800,
    });
  });

  it('reads the effective policy: the resultant PSO when one applies, else the domain policy', async () => {
    const judy = await directory.findUserBySamAccountName(fixtures.pso.appliesTo);
    const alice = await directory.findUserBySamAccountName('alice.martin');
    if (!judy || !alice) throw new Error('fixture users missing');
    const { pso } = fixtures;
    await expect(directory.readEffectivePolicy(judy)).resolves.toEqual({
      minLength: pso.minPwdLength,
      complexity: pso.complexity,
      historyLength: pso.historyLength,
      lockoutThreshold: pso.lockoutThreshold,
      lockoutDurationSeconds: pso.lockoutDurationSeconds,
      lockoutObservationWindowSeconds: pso.lockoutObservationWindowSeconds,
      maxAgeSeconds: pso.maxPwdAgeSeconds,
      minAgeSeconds: pso.minPwdAgeSeconds,
      source: { kind: 'pso', dn: pso.dn },
    });
    await expect(directory.readEffectivePolicy(alice)).resolves.toEqual(await directory.readDomainPolicy());
  });

  it.each([
    ['a Domain Admins member through a nested group', 'erin.admin'],
    ['an adminCount=1 account outside admin groups', 'gina.legacy'],
    ['the built-in Administrator', 'Administrator'],
    ['krbtgt', 'krbtgt'],
  ])('treats %s as protected', async (_label, samAccountName) => {
    const user = await directory.findUserBySamAccountName(samAccountName);
    if (!user) throw new Error(`${samAccountName} missing`);
    await expect(directory.isProtected(user)).resolves.toBe(true);
  });

  it.each(['alice.martin', 'carol.diaz', 'judy.pso', 'henry.disabled'])(
    'does not treat the ordinary user %s as protected',
    async (samAccountName) => {
      const user = await directory.findUserBySamAccountName(samAccountName);
      if (!user) throw new Error(`${samAccountName} missing`);
      await expect(directory.isProtected(user)).resolves.toBe(false);
    },
  );

  it('reports the flags that make accounts ineligible', async () => {
    const henry = await directory.findUserBySamAccountName('henry.disabled');
    const ivan = await directory.findUserBySamAccountName('ivan.noexpire');
    const dc = await directory.findUserBySamAccountName('DC1$');
    expect((henry?.userAccountControl ?? 0) & 0x2).toBe(0x2);
    expect((ivan?.userAccountControl ?? 0) & 0x10000).toBe(0x10000);
    expect(dc?.isComputer).toBe(true);
  });
});
